using Mplane.Warehouse.Sql;
using Npgsql;

namespace Mplane.Streams.Engine;

/// <summary>
/// The bulk way into a stream table: rows of values (as text, null for SQL NULL) copied with
/// PostgreSQL's COPY, so no value is ever SQL; the insert trigger fires as for INSERT and wakes the
/// scheduler. All rows or none.
/// </summary>
public sealed class StreamRows(NpgsqlDataSource dataSource, string schema = "public")
{
    private readonly Identifier _schema = Identifier.Of(schema, "schema");

    /// <summary>Copies <paramref name="rows"/> into the stream table <paramref name="table"/>; returns how many.</summary>
    /// <exception cref="StreamException">No such stream table, or a row has the wrong number of values.</exception>
    public async Task<int> CopyAsync(Identifier table, IReadOnlyList<IReadOnlyList<string?>> rows, CancellationToken cancellationToken)
    {
        await StreamCatalog.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var session = new Session(connection, transaction, cancellationToken);
        if (!await session.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM mplane.stream_tables WHERE name = $1)", table.Name).ConfigureAwait(false))
        {
            throw new StreamException($"no stream table {table.Name}");
        }

        var qualified = $"{_schema.Quoted}.{table.Quoted}";
        var columns = await session.ListAsync(
            "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attname <> $2 ORDER BY attnum",
            r => Identifier.Of(r.GetString(0), "column"),
            qualified, StreamCatalog.SequenceColumn).ConfigureAwait(false);
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Count != columns.Count)
            {
                throw new StreamException($"row {i + 1} has {rows[i].Count} values; {table.Name} has {columns.Count} columns ({string.Join(", ", columns.Select(c => c.Name))})");
            }
        }

        await using (var writer = await connection.BeginTextImportAsync(
            $"COPY {qualified} ({string.Join(", ", columns.Select(c => c.Quoted))}) FROM STDIN (FORMAT csv, NULL '\\N')", cancellationToken).ConfigureAwait(false))
        {
            foreach (var row in rows)
            {
                await writer.WriteLineAsync(string.Join(',', row.Select(Csv))).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }

    /// <summary>A CSV field: always quoted (so separators, quotes and line breaks are data), <c>\N</c> for null.</summary>
    private static string Csv(string? value) => value is null ? "\\N" : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
