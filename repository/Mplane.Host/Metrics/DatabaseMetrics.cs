using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Mplane.Host.Modules;
using Mplane.Host.Remote;
using Npgsql;
using Prometheus;

namespace Mplane.Host.Metrics;

/// <summary>
/// The metrics whose values live in the database, read at scrape time from the
/// <see cref="RepositorySnapshot"/> so that the work of every process counts, wherever the modules
/// run. A database that cannot be read leaves them out and sets <c>mplane_database_up</c> to 0: the
/// scrape itself still answers.
/// </summary>
internal sealed class DatabaseMetrics
{
    /// <summary>How long a scrape waits for the database (Prometheus gives up on a scrape after 10 s by default).</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(8);

    private static readonly string[] ModuleStateNames = Enum.GetValues<ModuleState>().Select(s => s.ToString().ToLowerInvariant()).ToArray();

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;

    // One refresh at a time: two concurrent scrapes would otherwise interleave their Begin/End.
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly Gauge _up;
    private readonly Gauge _readSeconds;
    private readonly List<RefreshedFamily> _families = [];

    private readonly RefreshedCounter _importFiles, _importRows, _importRejected, _importBytes;
    private readonly RefreshedGauge _importLast, _importCompleteBefore, _importLag;
    private readonly RefreshedCounter _jobRuns, _jobErrors, _jobRunSeconds;
    private readonly RefreshedGauge _jobLastDuration, _jobLag, _jobWindows, _jobReady, _jobRecompute, _jobRunning, _jobFailures;
    private readonly RefreshedGauge _tablePartitions, _tableRows, _tableBytes, _tableRetainedFrom;
    private readonly RefreshedGauge _alarmsOpen;
    private readonly RefreshedGauge _moduleUp, _moduleState, _moduleLost, _moduleHeartbeat;
    private readonly RefreshedCounter _moduleRestarts;
    private readonly RefreshedGauge _queries, _queryError;
    private readonly RefreshedCounter _queryRuns;

    public DatabaseMetrics(MetricFactory factory, NpgsqlDataSource dataSource, ILogger logger)
    {
        _dataSource = dataSource;
        _logger = logger;
        _up = factory.CreateGauge("mplane_database_up", "Whether the last scrape could read the repository's database (1) or not (0, and the metrics read from it are left out).");
        _readSeconds = factory.CreateGauge("mplane_database_read_seconds", "How long the last scrape took to read the database.");

        _importFiles = Counter(factory, "mplane_import_files_total", "Files imported into the stream (the import ledger, every process).", "stream");
        _importRows = Counter(factory, "mplane_import_rows_total", "Rows imported into the stream.", "stream");
        _importRejected = Counter(factory, "mplane_import_rejected_rows_total", "Lines of the stream's files rejected as malformed.", "stream");
        _importBytes = Counter(factory, "mplane_import_bytes_total", "Bytes of the stream's files imported (as stored, before decompression).", "stream");
        _importLast = Gauge(factory, "mplane_import_last_timestamp_seconds", "When the stream's last file was imported (Unix time).", "stream");
        _importCompleteBefore = Gauge(factory, "mplane_import_complete_before_timestamp_seconds", "The time before which the stream is complete: no more files come for earlier windows (Unix time).", "stream");
        _importLag = Gauge(factory, "mplane_import_lag_seconds", "Seconds between now and the time before which the stream is complete.", "stream");

        _jobRuns = Counter(factory, "mplane_job_runs_total", "Windows the job ran, successfully or not (recomputations included).", "job");
        _jobErrors = Counter(factory, "mplane_job_errors_total", "Window runs of the job that failed.", "job");
        _jobRunSeconds = Counter(factory, "mplane_job_run_seconds_total", "Time spent running the job's windows.", "job");
        _jobLastDuration = Gauge(factory, "mplane_job_last_duration_seconds", "How long the job's last successful window took.", "job");
        _jobLag = Gauge(factory, "mplane_job_lag_seconds", "Seconds between now and the job's next window, before which its view is complete.", "job");
        _jobWindows = Gauge(factory, "mplane_job_windows_computed", "Windows of the job's view that exist (computed and not dropped).", "job");
        _jobReady = Gauge(factory, "mplane_job_windows_ready", "Windows of the job whose inputs are complete, waiting to be computed (the scheduler's queue).", "job");
        _jobRecompute = Gauge(factory, "mplane_job_windows_recompute", "Windows of the job marked for recomputation (late data).", "job");
        _jobRunning = Gauge(factory, "mplane_job_running", "Whether a scheduler is running a window of the job now (it holds the job's lock).", "job");
        _jobFailures = Gauge(factory, "mplane_job_failures", "Consecutive failures of the job's current window (0 once it succeeds).", "job");

        _tablePartitions = Gauge(factory, "mplane_table_partitions", "Partitions (windows) of the continuous table.", "table");
        _tableRows = Gauge(factory, "mplane_table_rows", "Rows in the continuous table.", "table");
        _tableBytes = Gauge(factory, "mplane_table_bytes", "Size of the continuous table's partitions with their indexes.", "table");
        _tableRetainedFrom = Gauge(factory, "mplane_table_retained_from_timestamp_seconds", "Retention's horizon: windows before it were dropped (Unix time).", "table");

        _alarmsOpen = Gauge(factory, "mplane_alarms_open", "Anomaly alarms not acknowledged, per detector and feature.", "detector", "feature");

        _moduleUp = Gauge(factory, "mplane_module_up", "Whether the module instance is running and reporting (1) or not (0).", "module", "process");
        _moduleState = Gauge(factory, "mplane_module_state", "The module instance's state: 1 for the state it reported, 0 for the others.", "module", "process", "state");
        _moduleRestarts = Counter(factory, "mplane_module_restarts_total", "Times the module instance failed and was started again.", "module", "process");
        _moduleLost = Gauge(factory, "mplane_module_lost", "Whether the module instance stopped reporting without saying so (its process died or lost the database).", "module", "process");
        _moduleHeartbeat = Gauge(factory, "mplane_module_heartbeat_timestamp_seconds", "The module instance's last report (Unix time).", "module", "process");

        _queries = Gauge(factory, "mplane_cquery_queries", "The stream engine's continuous queries per state (running, paused, failed: paused by an error).", "state");
        _queryRuns = Counter(factory, "mplane_cquery_runs_total", "Runs of the continuous query.", "query");
        _queryError = Gauge(factory, "mplane_cquery_error", "Whether the continuous query was paused by an error (1) or not (0).", "query");
    }

    /// <summary>Reads the database and rewrites the metrics; never throws for a database that is down or slow.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = Stopwatch.GetTimestamp();
            RepositorySnapshot snapshot;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(ReadTimeout);
                snapshot = await RepositorySnapshot.ReadAsync(_dataSource, [], recentAlarms: 0, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException or IOException
                                          || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                _logger.LogWarning("Metrics: the database could not be read: {Error}", e.Message);
                _up.Set(0);
                _readSeconds.Set(Stopwatch.GetElapsedTime(started).TotalSeconds);
                _families.ForEach(f => f.Clear());
                return;
            }

            _families.ForEach(f => f.Begin());
            Write(snapshot);
            _families.ForEach(f => f.End());
            _up.Set(1);
            _readSeconds.Set(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private void Write(RepositorySnapshot snapshot)
    {
        foreach (var s in snapshot.Streams)
        {
            var name = s.Status.Name;
            _importFiles.Set(s.Status.Files, name);
            _importRows.Set(s.Status.Rows, name);
            _importRejected.Set(s.Status.RejectedRows, name);
            _importBytes.Set(s.Bytes, name);
            SetTime(_importLast, s.Status.LastImport, name);
            SetTime(_importCompleteBefore, s.Status.CompleteBefore, name);
            SetOptional(_importLag, s.LagSeconds, name);
        }

        foreach (var j in snapshot.Jobs)
        {
            var name = j.Status.Name;
            _jobRuns.Set(j.Queue.Runs, name);
            _jobErrors.Set(j.Queue.FailedRuns, name);
            _jobRunSeconds.Set(j.Queue.RunSeconds, name);
            SetOptional(_jobLastDuration, j.Status.LastDurationMs / 1000, name);
            SetOptional(_jobLag, j.LagSeconds, name);
            _jobWindows.Set(j.Status.WindowsComputed, name);
            SetOptional(_jobReady, j.Queue.WindowsReady, name);
            _jobRecompute.Set(j.Status.PendingRecompute, name);
            _jobRunning.Set(j.Status.Running ? 1 : 0, name);
            _jobFailures.Set(j.Status.Failures, name);
        }

        foreach (var t in snapshot.Tables)
        {
            var name = t.Table.Name;
            _tablePartitions.Set(t.Table.Partitions, name);
            _tableRows.Set(t.Table.Rows, name);
            _tableBytes.Set(t.Table.Bytes, name);
            SetTime(_tableRetainedFrom, t.Table.RetainedFrom, name);
        }

        foreach (var a in snapshot.Alarms.Open)
        {
            _alarmsOpen.Set(a.Count, a.Detector, a.Feature);
        }

        foreach (var m in snapshot.Modules)
        {
            _moduleUp.Set(m.State == ModuleState.Running && !m.Lost ? 1 : 0, m.Module, m.Instance);
            var state = m.State.ToString().ToLowerInvariant();
            foreach (var each in ModuleStateNames)
            {
                _moduleState.Set(each == state ? 1 : 0, m.Module, m.Instance, each);
            }

            _moduleRestarts.Set(m.Restarts, m.Module, m.Instance);
            _moduleLost.Set(m.Lost ? 1 : 0, m.Module, m.Instance);
            SetTime(_moduleHeartbeat, m.HeartbeatAt, m.Module, m.Instance);
        }

        // Every state is exposed, 0 included, so that a query leaving a state shows as a drop to 0, not a gap.
        _queries.Set(snapshot.Queries.Count(q => q.Running), "running");
        _queries.Set(snapshot.Queries.Count(q => !q.Running && q.LastError is null), "paused");
        _queries.Set(snapshot.Queries.Count(q => !q.Running && q.LastError is not null), "failed");
        foreach (var q in snapshot.Queries)
        {
            _queryRuns.Set(q.Runs, q.Tag);
            _queryError.Set(!q.Running && q.LastError is not null ? 1 : 0, q.Tag);
        }
    }

    private RefreshedCounter Counter(MetricFactory factory, string name, string help, params string[] labels) =>
        Add(new RefreshedCounter(factory.CreateCounter(name, help, labels)));

    private RefreshedGauge Gauge(MetricFactory factory, string name, string help, params string[] labels) =>
        Add(new RefreshedGauge(factory.CreateGauge(name, help, labels)));

    private T Add<T>(T family)
        where T : RefreshedFamily
    {
        _families.Add(family);
        return family;
    }

    private static void SetTime(RefreshedGauge gauge, DateTimeOffset? time, params string[] labels) =>
        SetOptional(gauge, time?.ToUnixTimeMilliseconds() / 1000.0, labels);

    // A value the database does not have (a job that never ran) is left out rather than shown as 0.
    private static void SetOptional(RefreshedGauge gauge, double? value, params string[] labels)
    {
        if (value is { } v)
        {
            gauge.Set(v, labels);
        }
    }
}
