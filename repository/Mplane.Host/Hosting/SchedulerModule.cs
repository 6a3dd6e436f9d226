using Microsoft.Extensions.Logging;
using Mplane.Warehouse.Jobs;
using Npgsql;

namespace Mplane.Host.Hosting;

/// <summary>The jobs: every runnable window computed, oldest first, polling for new data (DBStream's scheduler and viewgen).</summary>
public sealed class SchedulerModule(NpgsqlDataSource dataSource, IReadOnlyList<JobDefinition> jobs, SchedulerOptions options, TimeSpan poll, ILoggerFactory loggers) : IRepositoryModule
{
    /// <inheritdoc />
    public string Name => "scheduler";

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var log = loggers.CreateLogger<SchedulerModule>();
        var scheduler = new Scheduler(dataSource, jobs, options, loggers.CreateLogger<Scheduler>())
        {
            OnWindow = run => log.LogInformation(
                "Job {Job} window {Window:yyyy-MM-dd HH:mm}: {Rows} rows in {Milliseconds:0} ms{Recomputed}", run.Job, run.WindowStart, run.Rows, run.Duration.TotalMilliseconds, run.Recompute ? " (recomputed)" : string.Empty),
            OnFailure = (job, window, error) => log.LogError("Job {Job} window {Window:yyyy-MM-dd HH:mm} failed: {Error}", job, window, error.Message),
        };
        await scheduler.PrepareAsync(cancellationToken).ConfigureAwait(false);
        log.LogInformation("{Jobs} jobs scheduled, {Parallel} at once", jobs.Count, options.Parallelism);
        await scheduler.RunAsync(poll, cancellationToken).ConfigureAwait(false);
    }
}
