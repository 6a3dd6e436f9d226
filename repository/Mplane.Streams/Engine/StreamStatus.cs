using Npgsql;

namespace Mplane.Streams.Engine;

/// <summary>The <c>cquery</c> status and log: every continuous query with its state, runs and last error, and the latest log lines.</summary>
public sealed record StreamStatus(IReadOnlyList<ContinuousQuery> Queries, IReadOnlyList<(string Tag, DateTimeOffset At, string Message)> Log)
{
    /// <summary>Reads the status and the last <paramref name="logLines"/> log lines, oldest first.</summary>
    public static async Task<StreamStatus> ReadAsync(NpgsqlDataSource dataSource, int logLines, CancellationToken cancellationToken)
    {
        await StreamCatalog.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var session = new Session(connection, transaction, cancellationToken);
        var queries = await ContinuousQueries.ReadAsync(session).ConfigureAwait(false);
        var log = await session.ListAsync(
            "SELECT tag, at, message FROM (SELECT * FROM mplane.cquery_log ORDER BY id DESC LIMIT $1) l ORDER BY id",
            r => (r.GetString(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2)),
            Math.Max(0, logLines)).ConfigureAwait(false);
        return new StreamStatus(queries, log);
    }
}
