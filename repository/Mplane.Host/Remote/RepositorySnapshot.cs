using Mplane.Host.Modules;
using Mplane.Streams.Engine;
using Mplane.Warehouse.Retention;
using Mplane.Warehouse.Status;
using Npgsql;
using EngineStatus = Mplane.Streams.Engine.StreamStatus;
using ImportedStream = Mplane.Warehouse.Status.StreamStatus;

namespace Mplane.Host.Remote;

/// <summary>An imported stream: the warehouse's counts, bytes, the import rate and how far behind it is.</summary>
/// <param name="Status">The warehouse status of the stream (files, rows, last file, completeness).</param>
/// <param name="Bytes">Bytes imported.</param>
/// <param name="FilesLastHour">Files imported in the last hour.</param>
/// <param name="RowsLastHour">Rows imported in the last hour.</param>
/// <param name="SinceLastImportSeconds">Seconds since its last import.</param>
/// <param name="LagSeconds">Seconds between now and the time before which the stream is complete (how far its data is behind the clock).</param>
public sealed record StreamActivity(
    ImportedStream Status, long Bytes, long FilesLastHour, long RowsLastHour, double? SinceLastImportSeconds, double? LagSeconds)
{
    /// <summary>Rows per minute over the last hour of imports.</summary>
    public double RowsPerMinute => RowsLastHour / ImportActivity.RateSpan.TotalMinutes;
}

/// <summary>A job: its warehouse status, its place in the queue and its runs.</summary>
/// <param name="Status">The warehouse status of the job (next window, computed, recomputations, running, failures).</param>
/// <param name="Queue">The windows ready and the run history.</param>
/// <param name="LagSeconds">Seconds between now and the job's next window, before which its view is complete.</param>
public sealed record JobActivity(JobStatus Status, JobQueueEntry Queue, double? LagSeconds);

/// <summary>A continuous table with the retention rule configured for it, if any.</summary>
/// <param name="Table">The table's status: partitions, rows, bytes, time range, retention's horizon.</param>
/// <param name="MaxAge">The rule's age limit.</param>
/// <param name="MaxBytes">The rule's size quota.</param>
public sealed record TableRetention(TableStatus Table, TimeSpan? MaxAge, long? MaxBytes);

/// <summary>
/// Everything an operator looks at, read from the database in one go, wherever the modules run (the
/// role of the original's <c>remote</c>, which asked hydra): modules, imports per stream, the
/// scheduler's queue and running jobs, retention, open alarms, the stream engine's queries and recent
/// job errors. <c>mplane remote</c> shows it and <c>/metrics</c> exposes it.
/// </summary>
/// <param name="Time">When it was read.</param>
/// <param name="Modules">The module instances that reported themselves.</param>
/// <param name="Streams">The imported streams.</param>
/// <param name="Jobs">The jobs.</param>
/// <param name="Tables">The continuous tables with their retention.</param>
/// <param name="Alarms">The open alarms.</param>
/// <param name="Queries">The stream engine's continuous queries.</param>
/// <param name="Errors">The latest failed job windows.</param>
public sealed record RepositorySnapshot(
    DateTimeOffset Time,
    IReadOnlyList<ModuleStatus> Modules,
    IReadOnlyList<StreamActivity> Streams,
    IReadOnlyList<JobActivity> Jobs,
    IReadOnlyList<TableRetention> Tables,
    AlarmSummary Alarms,
    IReadOnlyList<ContinuousQuery> Queries,
    IReadOnlyList<JobError> Errors)
{
    /// <summary>How many open alarms the remote status lists.</summary>
    public const int DefaultRecentAlarms = 10;

    /// <summary>
    /// Reads the snapshot; <paramref name="retention"/> are the configured rules (the database does not
    /// know them), <paramref name="recentAlarms"/> how many open alarms to list.
    /// </summary>
    public static async Task<RepositorySnapshot> ReadAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<RetentionPolicy> retention, int recentAlarms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(retention);
        var warehouse = await WarehouseStatus.ReadAsync(dataSource, cancellationToken).ConfigureAwait(false);
        var modules = await new ModuleStates(dataSource).ReadAsync(cancellationToken).ConfigureAwait(false);
        var engine = await EngineStatus.ReadAsync(dataSource, 0, cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var imports = await ImportActivity.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
        var queue = await JobQueue.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
        var alarms = await AlarmSummary.ReadAsync(connection, recentAlarms, cancellationToken).ConfigureAwait(false);

        var now = warehouse.Time;
        double? Since(DateTimeOffset? at) => at is { } t ? (now - t).TotalSeconds : null;
        var streams = warehouse.Streams
            .Select(s => imports.TryGetValue(s.Name, out var i)
                ? new StreamActivity(s, i.Bytes, i.FilesLastHour, i.RowsLastHour, Since(s.LastImport), Since(s.CompleteBefore))
                : new StreamActivity(s, 0, 0, 0, Since(s.LastImport), Since(s.CompleteBefore)))
            .ToList();
        var jobs = warehouse.Jobs
            .Select(j => new JobActivity(j, queue.GetValueOrDefault(j.Name) ?? new JobQueueEntry(null, 0, 0, 0, null), Since(j.NextWindow)))
            .ToList();
        // Two rules for one table both apply when retention runs; the screen shows the last, as a list would be too wide.
        var rules = retention.GroupBy(r => $"{r.Table.Schema.Name}.{r.Table.Table.Name}", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var tables = warehouse.Tables
            .Select(t => rules.TryGetValue(t.Name, out var rule) ? new TableRetention(t, rule.MaxAge, rule.MaxBytes) : new TableRetention(t, null, null))
            .ToList();
        return new RepositorySnapshot(now, modules, streams, jobs, tables, alarms, engine.Queries, warehouse.Errors);
    }
}
