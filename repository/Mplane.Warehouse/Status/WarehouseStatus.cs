using Mplane.Warehouse.Sql;
using Npgsql;

namespace Mplane.Warehouse.Status;

/// <summary>A snapshot of the warehouse: tables, streams, jobs (queued, running, failing) and recent errors.</summary>
public sealed record WarehouseStatus(
    DateTimeOffset Time,
    IReadOnlyList<TableStatus> Tables,
    IReadOnlyList<StreamStatus> Streams,
    IReadOnlyList<JobStatus> Jobs,
    IReadOnlyList<JobError> Errors)
{
    /// <summary>Reads the snapshot from the catalogue.</summary>
    public static async Task<WarehouseStatus> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await Catalogue.CatalogueSchema.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return new WarehouseStatus(
            DateTimeOffset.UtcNow,
            await TablesAsync(connection, cancellationToken).ConfigureAwait(false),
            await ListAsync(connection, StreamsSql, [], r => new StreamStatus(
                r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.IsDBNull(4) ? null : r.GetString(4), At(r, 5), At(r, 6), At(r, 7)), cancellationToken).ConfigureAwait(false),
            await ListAsync(connection, JobsSql, [], r => new JobStatus(
                r.GetString(0), r.GetString(1), r.GetInt32(2), At(r, 3), r.GetInt64(4), r.GetInt64(5), r.GetBoolean(6), r.GetInt32(7), r.IsDBNull(8) ? null : r.GetString(8),
                At(r, 9), r.IsDBNull(10) ? null : r.GetDouble(10)), cancellationToken).ConfigureAwait(false),
            await ListAsync(connection, ErrorsSql, [], r => new JobError(r.GetString(0), At(r, 1)!.Value, At(r, 2)!.Value, r.GetString(3)), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The continuous tables with their partition counts, rows, sizes and time ranges.</summary>
    public static Task<List<TableStatus>> TablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        ListAsync(connection, TablesSql, [], r => new TableStatus(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), At(r, 7), At(r, 8), At(r, 9)),
            cancellationToken);

    /// <summary>The partitions of one table, oldest first; null when the catalogue has no such table.</summary>
    public static async Task<List<PartitionStatus>?> PartitionsAsync(NpgsqlDataSource dataSource, QualifiedName table, CancellationToken cancellationToken)
    {
        await Catalogue.CatalogueSchema.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (await Mplane.Warehouse.Tables.ContinuousTables.FindAsync(connection, table, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }

        return await ListAsync(connection, PartitionsSql, [table.Schema.Name, table.Table.Name], r => new PartitionStatus(
            r.GetString(0), At(r, 1)!.Value, At(r, 2)!.Value, r.GetInt64(3), r.GetInt64(4), r.GetBoolean(5), At(r, 6)!.Value), cancellationToken).ConfigureAwait(false);
    }

    private const string TablesSql = """
        SELECT t.schema_name || '.' || t.table_name, t.kind, coalesce(t.log_format, ''), t.window_seconds,
               count(p.window_start), coalesce(sum(p.row_count), 0)::bigint,
               coalesce(sum(pg_total_relation_size(to_regclass(quote_ident(p.schema_name) || '.' || quote_ident(p.partition_name)))), 0)::bigint,
               min(p.window_start), max(p.window_end), t.retained_from
        FROM mplane.tables t LEFT JOIN mplane.partitions p USING (schema_name, table_name)
        GROUP BY t.schema_name, t.table_name, t.kind, t.log_format, t.window_seconds, t.retained_from ORDER BY 1
        """;

    private const string PartitionsSql = """
        SELECT p.partition_name, p.window_start, p.window_end, p.row_count,
               coalesce(pg_total_relation_size(to_regclass(quote_ident(p.schema_name) || '.' || quote_ident(p.partition_name))), 0),
               p.indexed, p.updated_at
        FROM mplane.partitions p WHERE p.schema_name = $1 AND p.table_name = $2 ORDER BY p.window_start
        """;

    private const string StreamsSql = """
        SELECT s.schema_name || '.' || s.stream, count(i.path), coalesce(sum(i.row_count), 0)::bigint, coalesce(sum(i.rejected_rows), 0)::bigint,
               (SELECT path FROM mplane.imports l WHERE l.schema_name = s.schema_name AND l.stream = s.stream ORDER BY imported_at DESC LIMIT 1),
               max(i.imported_at), s.complete_before, s.newest_window
        FROM mplane.stream_progress s LEFT JOIN mplane.imports i USING (schema_name, stream)
        GROUP BY s.schema_name, s.stream, s.complete_before, s.newest_window ORDER BY 1
        """;

    // A job is running while a session holds its advisory lock (the bigint key is split into classid and objid).
    // pg_locks spans the whole server: only this database's locks count (another warehouse's job of the same name is not ours).
    private const string JobsSql = """
        SELECT j.name, j.output_schema || '.' || j.output_table, j.window_seconds, j.next_window,
               (SELECT count(*) FROM mplane.partitions p WHERE p.schema_name = j.output_schema AND p.table_name = j.output_table),
               (SELECT count(*) FROM mplane.recompute r WHERE r.job = j.name),
               EXISTS (SELECT 1 FROM pg_locks l
                       WHERE l.locktype = 'advisory' AND l.granted
                         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                         AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended('mplane.job:' || j.name, 0)),
               j.failures, j.last_error, j.retry_after,
               (SELECT duration_ms FROM mplane.job_runs r WHERE r.job = j.name AND r.error IS NULL ORDER BY r.id DESC LIMIT 1)
        FROM mplane.jobs j ORDER BY j.name
        """;

    private const string ErrorsSql = """
        SELECT job, window_start, started_at, error FROM mplane.job_runs WHERE error IS NOT NULL ORDER BY id DESC LIMIT 20
        """;

    private static DateTimeOffset? At(NpgsqlDataReader reader, int i) =>
        reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);

    private static async Task<List<T>> ListAsync<T>(
        NpgsqlConnection connection, string sql, IReadOnlyList<object> parameters, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(map(reader));
        }

        return list;
    }
}

/// <summary>A continuous table; <paramref name="RetainedFrom"/> is retention's horizon (null when nothing was dropped).</summary>
public sealed record TableStatus(
    string Name, string Kind, string Format, int WindowSeconds, long Partitions, long Rows, long Bytes, DateTimeOffset? First, DateTimeOffset? Last,
    DateTimeOffset? RetainedFrom);

/// <summary>One partition (window) of a continuous table.</summary>
public sealed record PartitionStatus(string Name, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, long Rows, long Bytes, bool Indexed, DateTimeOffset UpdatedAt);

/// <summary>An imported stream.</summary>
public sealed record StreamStatus(string Name, long Files, long Rows, long RejectedRows, string? LastFile, DateTimeOffset? LastImport, DateTimeOffset? CompleteBefore, DateTimeOffset? NewestWindow);

/// <summary>A job.</summary>
public sealed record JobStatus(
    string Name, string Output, int WindowSeconds, DateTimeOffset? NextWindow, long WindowsComputed, long PendingRecompute, bool Running,
    int Failures, string? LastError, DateTimeOffset? RetryAfter, double? LastDurationMs);

/// <summary>A failed job window.</summary>
public sealed record JobError(string Job, DateTimeOffset Window, DateTimeOffset At, string Error);
