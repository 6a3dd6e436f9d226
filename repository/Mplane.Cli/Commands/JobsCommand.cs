using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Mplane.Analysis;
using Mplane.Configuration;
using Mplane.Warehouse.Jobs;

namespace Mplane.Cli.Commands;

/// <summary><c>mplane jobs list|run|reset</c>: the continuous jobs of <c>conf/jobs</c>.</summary>
internal static class JobsCommand
{
    public static Command Create()
    {
        var jobsFolder = new Option<string?>("--jobs") { Description = "Folder of job definitions (default: conf/jobs).", Recursive = true };
        var jobs = new Command("jobs", "Continuous jobs: list their state, run pending windows, reset one.") { jobsFolder };
        jobs.Subcommands.Add(List(jobsFolder));
        jobs.Subcommands.Add(Run(jobsFolder));
        jobs.Subcommands.Add(Reset(jobsFolder));
        return jobs;
    }

    private static Command List(Option<string?> folder)
    {
        var command = new Command("list", "Each job: next window, windows computed, pending recomputations, last error.");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var definitions = Load(parse.GetValue(folder));
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            await JobCatalog.SyncAsync(dataSource, definitions, ct).ConfigureAwait(false);
            await using var query = dataSource.CreateCommand(
                """
                SELECT j.name, j.window_seconds, j.next_window,
                       (SELECT count(*) FROM mplane.partitions p WHERE p.schema_name = j.output_schema AND p.table_name = j.output_table),
                       (SELECT count(*) FROM mplane.recompute r WHERE r.job = j.name), j.failures, j.last_error
                FROM mplane.jobs j WHERE j.name = ANY($1) ORDER BY j.name
                """);
            query.Parameters.Add(new Npgsql.NpgsqlParameter { Value = definitions.Select(d => d.Name).ToArray() });
            await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
            Console.WriteLine($"{"job",-24} {"window",6} {"next window (UTC)",-17} {"done",6} {"recompute",9}  error");
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{reader.GetString(0),-24} {Spans.Format(TimeSpan.FromSeconds(reader.GetInt32(1))),6} {(reader.IsDBNull(2) ? "-" : reader.GetDateTime(2).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)),-17} {reader.GetInt64(3),6} {reader.GetInt64(4),9}  {(reader.IsDBNull(6) ? string.Empty : $"{reader.GetInt32(5)} failures: {reader.GetString(6)}")}"));
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Run(Option<string?> folder)
    {
        var parallel = new Option<int>("--parallel") { Description = "Jobs run at once.", DefaultValueFactory = _ => 2 };
        var strategy = new Option<SchedulingStrategy>("--strategy") { Description = "fifo (oldest window first) or freshness (newest first).", DefaultValueFactory = _ => SchedulingStrategy.Fifo };
        var follow = new Option<bool>("--follow") { Description = "Keep running and pick up new data as it arrives (Ctrl-C stops)." };
        var analysis = new Option<bool>("--analysis") { Description = "After the windows, run anomaly detection on the bins they closed (conf/analysis.yaml): the analysis rides on the scheduler." };
        var command = new Command("run", "Run every runnable window, then exit (or keep going with --follow).") { parallel, strategy, follow, analysis };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var definitions = Load(parse.GetValue(folder));
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            var scheduler = new Scheduler(
                dataSource, definitions,
                new SchedulerOptions { Parallelism = System.Math.Max(1, parse.GetValue(parallel)), Strategy = parse.GetValue(strategy) })
            {
                OnWindow = run => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{run.Job,-24} {run.WindowStart:yyyy-MM-dd HH:mm} {run.Rows,8} rows {run.Duration.TotalMilliseconds,8:0} ms{(run.Recompute ? " (recomputed)" : string.Empty)}")),
                OnFailure = (job, window, error) => Console.Error.WriteLine($"mplane: job {job} window {window:yyyy-MM-dd HH:mm} failed: {error.Message}"),
            };
            await scheduler.PrepareAsync(ct).ConfigureAwait(false);
            using var loggers = ConsoleLoggers.Create();
            var detector = parse.GetValue(analysis)
                ? new AnalysisRunner(dataSource, AnalysisConfiguration.Load(ProjectHome.Discover()), loggers.CreateLogger<AnalysisRunner>())
                : null;
            do
            {
                var runs = await scheduler.RunUntilIdleAsync(ct).ConfigureAwait(false);
                if (!parse.GetValue(follow))
                {
                    Console.WriteLine($"{runs.Count} windows computed ({runs.Count(r => r.Recompute)} recomputed), {runs.Sum(r => r.Rows)} rows");
                }

                if (detector is not null && runs.Count > 0)
                {
                    var bins = await detector.RunAsync(ct).ConfigureAwait(false);
                    Console.WriteLine($"analysis: {bins} bins evaluated");
                }

                if (parse.GetValue(follow))
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }
            while (parse.GetValue(follow) && !ct.IsCancellationRequested);

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Reset(Option<string?> folder)
    {
        var name = new Argument<string>("JOB") { Description = "The job to reset." };
        var command = new Command("reset", "Drop everything a job computed; it restarts from its first window.") { name };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var definitions = Load(parse.GetValue(folder));
            var job = definitions.FirstOrDefault(d => d.Name == parse.GetValue(name))
                ?? throw new UsageException($"jobs reset: no job '{parse.GetValue(name)}'; jobs: {string.Join(", ", definitions.Select(d => d.Name))}");
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            await JobCatalog.SyncAsync(dataSource, definitions, ct).ConfigureAwait(false);
            var dropped = await JobCatalog.ResetAsync(dataSource, job, ct).ConfigureAwait(false);
            Console.WriteLine($"job {job.Name} reset: {dropped} windows dropped");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static IReadOnlyList<JobDefinition> Load(string? folder) =>
        JobFile.LoadDirectory(folder ?? Path.Combine(ProjectHome.Discover().ConfDirectory, "jobs"));
}
