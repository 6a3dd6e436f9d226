using Npgsql;

namespace Mplane.Host.Remote;

/// <summary>One stream's entries in the import ledger beyond what the warehouse status counts.</summary>
/// <param name="Bytes">Bytes of every file imported (their size as read, before decompression).</param>
/// <param name="FilesLastHour">Files imported in the last hour.</param>
/// <param name="RowsLastHour">Rows imported in the last hour.</param>
public sealed record ImportTotals(long Bytes, long FilesLastHour, long RowsLastHour);

/// <summary>
/// Reads <c>mplane.imports</c> for what the remote status and the metrics add to the warehouse
/// status: bytes imported and the import rate, counted over the last hour of imports (not of data
/// time: a backlog imported now is a high rate now).
/// </summary>
internal static class ImportActivity
{
    /// <summary>The span the import rate is measured over.</summary>
    public static readonly TimeSpan RateSpan = TimeSpan.FromHours(1);

    /// <summary>The totals per stream, keyed by <c>schema.stream</c> as the warehouse status names streams.</summary>
    public static async Task<Dictionary<string, ImportTotals>> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT schema_name || '.' || stream, coalesce(sum(size_bytes), 0)::bigint,
                   count(*) FILTER (WHERE imported_at > now() - $1::interval),
                   coalesce(sum(row_count) FILTER (WHERE imported_at > now() - $1::interval), 0)::bigint
            FROM mplane.imports GROUP BY schema_name, stream
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = RateSpan });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var totals = new Dictionary<string, ImportTotals>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            totals[reader.GetString(0)] = new ImportTotals(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }

        return totals;
    }
}
