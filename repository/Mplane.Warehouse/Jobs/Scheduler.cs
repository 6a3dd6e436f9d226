using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Warehouse.Sql;
using Npgsql;

namespace Mplane.Warehouse.Jobs;

/// <summary>How the scheduler orders runnable windows across jobs (within a job, always oldest first).</summary>
public enum SchedulingStrategy
{
    /// <summary>The oldest pending window first.</summary>
    Fifo,

    /// <summary>The newest pending window first: fresh results before backlog.</summary>
    Freshness,
}

/// <summary>Scheduler settings.</summary>
public sealed record SchedulerOptions
{
    /// <summary>Jobs run at once (each job's windows still run one after another).</summary>
    public int Parallelism { get; init; } = 2;

    /// <summary>Ordering across jobs.</summary>
    public SchedulingStrategy Strategy { get; init; } = SchedulingStrategy.Fifo;

    /// <summary>How long a failing job waits before its window is tried again (doubling to an hour).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Runs job windows as their inputs become complete. A window [t, t+w) of a job is runnable when
/// every input is complete through the end of its slice; a job's windows run in order (marked
/// recomputations first); independent jobs run in parallel. All state is in PostgreSQL and each
/// window runs in one transaction holding the job's advisory lock, so a restart resumes where it
/// stopped and two schedulers on one database never run the same window.
/// </summary>
public sealed class Scheduler(NpgsqlDataSource dataSource, IReadOnlyList<JobDefinition> jobs, SchedulerOptions? options = null, ILogger<Scheduler>? logger = null)
{
    private readonly SchedulerOptions _options = options ?? new SchedulerOptions();
    private readonly ILogger _logger = logger ?? NullLogger<Scheduler>.Instance;

    /// <summary>Called after each window, success or failure.</summary>
    public Action<WindowRun>? OnWindow { get; init; }

    /// <summary>Called when a window fails.</summary>
    public Action<string, DateTimeOffset, Exception>? OnFailure { get; init; }

    /// <summary>Registers the jobs and their output tables.</summary>
    public Task PrepareAsync(CancellationToken cancellationToken) => JobCatalog.SyncAsync(dataSource, jobs, cancellationToken);

    /// <summary>Runs rounds until no window is runnable; returns the windows run.</summary>
    public async Task<IReadOnlyList<WindowRun>> RunUntilIdleAsync(CancellationToken cancellationToken)
    {
        var runs = new List<WindowRun>();
        while (true)
        {
            var round = await RunRoundAsync(cancellationToken).ConfigureAwait(false);
            if (round.Count == 0)
            {
                return runs;
            }

            runs.AddRange(round);
        }
    }

    /// <summary>Runs forever, polling for new work every <paramref name="pollInterval"/>.</summary>
    public async Task RunAsync(TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var round = await RunRoundAsync(cancellationToken).ConfigureAwait(false);
            if (round.Count == 0)
            {
                await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Picks up to <see cref="SchedulerOptions.Parallelism"/> runnable jobs and runs one window of each.</summary>
    public async Task<IReadOnlyList<WindowRun>> RunRoundAsync(CancellationToken cancellationToken)
    {
        var candidates = new List<(JobDefinition Job, DateTimeOffset Window)>();
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var job in jobs)
            {
                if (await NextRunnableAsync(connection, job, cancellationToken).ConfigureAwait(false) is { } next)
                {
                    candidates.Add((job, next.Window));
                }
            }
        }

        var chosen = (_options.Strategy == SchedulingStrategy.Fifo
                ? candidates.OrderBy(c => c.Window)
                : candidates.OrderByDescending(c => c.Window))
            .ThenByDescending(c => c.Job.Priority)
            .ThenBy(c => c.Job.Name, StringComparer.Ordinal)
            .Take(Math.Max(1, _options.Parallelism))
            .ToList();
        var results = await Task.WhenAll(chosen.Select(c => RunWindowAsync(c.Job, cancellationToken))).ConfigureAwait(false);
        return results.OfType<WindowRun>().ToList();
    }

    /// <summary>The window a job would run next if its inputs allow (and whether it recomputes one), or null.</summary>
    public async Task<(DateTimeOffset Window, bool Recompute)?> NextRunnableAsync(NpgsqlConnection connection, JobDefinition job, CancellationToken cancellationToken)
    {
        var state = await JobCatalog.StateAsync(connection, job.Name, cancellationToken).ConfigureAwait(false);
        if (state.RetryAfter > DateTimeOffset.UtcNow)
        {
            return null;
        }

        var recompute = state.Recompute.Count > 0;
        var window = recompute ? state.Recompute[0]
            : state.NextWindow ?? job.Start ?? await FirstDataWindowAsync(connection, job, cancellationToken).ConfigureAwait(false);
        if (window is not { } start)
        {
            return null;
        }

        foreach (var input in job.Inputs)
        {
            var (_, sliceEnd) = input.SliceFor(start, job.Window);
            if (await CompleteBeforeAsync(connection, input.Table, sliceEnd, cancellationToken).ConfigureAwait(false) is not { } complete || complete < sliceEnd)
            {
                return null;
            }
        }

        return (start, recompute);
    }

    private async Task<WindowRun?> RunWindowAsync(JobDefinition job, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (!await TryLockAsync(connection, job, cancellationToken).ConfigureAwait(false))
        {
            return null; // another scheduler is running this job
        }

        // Hold the job's row until commit: an import marking windows of this job for recomputation
        // waits for this window to finish and then sees its outcome, so no mark is skipped or lost.
        await using (var row = new NpgsqlCommand("SELECT 1 FROM mplane.jobs WHERE name = $1 FOR NO KEY UPDATE", connection) { Parameters = { new() { Value = job.Name } } })
        {
            await row.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Decide again under the locks: another scheduler may have advanced the job meanwhile.
        if (await NextRunnableAsync(connection, job, cancellationToken).ConfigureAwait(false) is not var (start, recompute))
        {
            return null;
        }

        var started = DateTimeOffset.UtcNow;
        try
        {
                var run = await WindowRunner.RunAsync(connection, job, start, recompute, cancellationToken).ConfigureAwait(false);
            await CompleteAsync(connection, job, start, recompute, run, started, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Job {Job} window {Window:O}: {Rows} rows in {Duration}", job.Name, start, run.Rows, run.Duration);
            OnWindow?.Invoke(run);
            return run;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Record the failure in a fresh transaction: the window's may be unusable (a broken connection, a timeout).
            await transaction.DisposeAsync().ConfigureAwait(false);
            await using var fresh = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await RecordFailureAsync(fresh, job, start, recompute, started, e, cancellationToken).ConfigureAwait(false);
            _logger.LogError(e, "Job {Job} window {Window:O} failed", job.Name, start);
            OnFailure?.Invoke(job.Name, start, e);
            return null;
        }
    }

    private static async Task CompleteAsync(
        NpgsqlConnection connection, JobDefinition job, DateTimeOffset start, bool recompute, WindowRun run, DateTimeOffset started, CancellationToken cancellationToken)
    {
        var sql = recompute
            ? "DELETE FROM mplane.recompute WHERE job = $1 AND window_start = $2"
            : "UPDATE mplane.jobs SET next_window = greatest(next_window, $2 + make_interval(secs => window_seconds)), failures = 0, retry_after = NULL, last_error = NULL, updated_at = now() WHERE name = $1";
        await using (var progress = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = job.Name }, new() { Value = start } } })
        {
            await progress.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await InsertRunAsync(connection, job, start, recompute, started, run.Duration, run.Rows, null, cancellationToken).ConfigureAwait(false);
        if (recompute)
        {
            // Views built on this window are now stale in turn, and so is the job's own next window when it reads this one as __PREV.
            await JobCatalog.MarkDependentsAsync(connection, job.Output, start, start + job.Window, $"recomputed {job.Name}", cancellationToken).ConfigureAwait(false);
            if (job.ReadsPrevious)
            {
                await using var next = new NpgsqlCommand(
                    """
                    INSERT INTO mplane.recompute (job, window_start, reason)
                    SELECT name, $2, 'previous window recomputed' FROM mplane.jobs WHERE name = $1 AND next_window > $2
                    ON CONFLICT DO NOTHING
                    """, connection)
                {
                    Parameters = { new() { Value = job.Name }, new() { Value = start + job.Window } },
                };
                await next.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RecordFailureAsync(
        NpgsqlConnection connection, JobDefinition job, DateTimeOffset start, bool recompute, DateTimeOffset started, Exception error, CancellationToken cancellationToken)
    {
        await using (var update = new NpgsqlCommand(
            """
            UPDATE mplane.jobs SET failures = failures + 1, last_error = $2, updated_at = now(),
                retry_after = now() + make_interval(secs => least($3 * power(2, least(failures, 20)), 3600))
            WHERE name = $1
            """, connection)
        {
            Parameters = { new() { Value = job.Name }, new() { Value = error.Message }, new() { Value = _options.RetryDelay.TotalSeconds } },
        })
        {
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await InsertRunAsync(connection, job, start, recompute, started, DateTimeOffset.UtcNow - started, null, error.Message, cancellationToken).ConfigureAwait(false);
    }

    private static async Task InsertRunAsync(
        NpgsqlConnection connection, JobDefinition job, DateTimeOffset start, bool recompute, DateTimeOffset started, TimeSpan duration, long? rows, string? error,
        CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            "INSERT INTO mplane.job_runs (job, window_start, window_end, recompute, started_at, duration_ms, row_count, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            connection)
        {
            Parameters =
            {
                new() { Value = job.Name }, new() { Value = start }, new() { Value = start + job.Window }, new() { Value = recompute },
                new() { Value = started }, new() { Value = duration.TotalMilliseconds }, new() { Value = (object?)rows ?? DBNull.Value },
                new() { Value = (object?)error ?? DBNull.Value },
            },
        };
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, JobDefinition job, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(hashtextextended('mplane.job:' || $1, 0))", connection)
        {
            Parameters = { new() { Value = job.Name } },
        };
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// The time before which <paramref name="table"/> is complete: for an imported stream, the start
    /// of its newest file's window (or later when marked complete); for a job's output, the end of
    /// its computed windows, held back by any of its windows awaiting recomputation.
    /// </summary>
    private static async Task<DateTimeOffset?> CompleteBeforeAsync(
        NpgsqlConnection connection, QualifiedName table, DateTimeOffset needed, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT coalesce(
                (SELECT complete_before FROM mplane.stream_progress WHERE schema_name = $1 AND stream = $2),
                (SELECT least(j.next_window, (SELECT min(r.window_start) FROM mplane.recompute r WHERE r.job = j.name AND r.window_start < $3))
                 FROM mplane.jobs j WHERE j.output_schema = $1 AND j.output_table = $2))
            """, connection)
        {
            Parameters = { new() { Value = table.Schema.Name }, new() { Value = table.Table.Name }, new() { Value = needed } },
        };
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime time
            ? new DateTimeOffset(time, TimeSpan.Zero)
            : null;
    }

    private static async Task<DateTimeOffset?> FirstDataWindowAsync(NpgsqlConnection connection, JobDefinition job, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT min(window_start) FROM mplane.partitions WHERE schema_name = $1 AND table_name = $2", connection)
        {
            Parameters = { new() { Value = job.Inputs[0].Table.Schema.Name }, new() { Value = job.Inputs[0].Table.Table.Name } },
        };
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime first
            ? job.OutputWindow.StartOf(new DateTimeOffset(first, TimeSpan.Zero))
            : null;
    }
}
