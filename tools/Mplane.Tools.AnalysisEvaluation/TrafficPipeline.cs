using System.Globalization;
using Mplane.Configuration;
using Mplane.Generators.Tstat;
using Mplane.LogFormats.Scanning;
using Mplane.Warehouse.Import;
using Mplane.Warehouse.Jobs;
using Npgsql;

namespace Mplane.Tools.AnalysisEvaluation;

/// <summary>What went into the warehouse.</summary>
/// <param name="Seed">The generator's seed.</param>
/// <param name="Start">The first bin.</param>
/// <param name="End">The end of the run (exclusive).</param>
/// <param name="Files">Log files written and imported.</param>
/// <param name="Flows">Flows in them.</param>
/// <param name="Windows">Job windows computed.</param>
/// <param name="Labels">The generator's labelled anomalies.</param>
public sealed record Traffic(ulong Seed, DateTimeOffset Start, DateTimeOffset End, int Files, long Flows, int Windows, IReadOnlyList<AnomalyLabel> Labels)
{
    /// <summary>Simulated days.</summary>
    public double Days => (End - Start).TotalDays;
}

/// <summary>
/// Generated Tstat traffic through the warehouse as the tests' fixture does it: 5-minute files with the
/// generator's anomalies, imported exactly once, then the example jobs that the detectors read
/// (<c>features_5min</c>, <c>flows_5min</c>, <c>clients_5min</c>) run until idle.
/// </summary>
public sealed class TrafficPipeline(ProjectHome home, NpgsqlDataSource dataSource, ProgressLog progress)
{
    /// <summary>The stream the files are imported into.</summary>
    public const string Stream = "log_tcp_complete";

    /// <summary>The first bin of every evaluation (the tests' day).</summary>
    public static readonly DateTimeOffset Start = new(2015, 2, 27, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] JobNames = ["features_5min", "flows_5min", "clients_5min"];

    /// <summary>Generates the traffic of <paramref name="seed"/> into <paramref name="folder"/>, imports it and computes the views.</summary>
    public async Task<Traffic> RunAsync(EvaluationOptions options, ulong seed, string folder, CancellationToken cancellationToken)
    {
        var generated = await progress.StageAsync(
            string.Create(CultureInfo.InvariantCulture, $"generating {options.Days} days at {options.Rate} flows/s with {options.PerKind} anomalies of each kind, seed {seed}"),
            () => new TstatLogGenerator().GenerateAsync(
                new TstatGeneratorOptions
                {
                    OutputDirectory = folder, Start = Start, Duration = options.Duration, Interval = TimeSpan.FromMinutes(5),
                    Rate = options.Rate, Seed = seed, AnomaliesPerKind = options.PerKind,
                },
                null,
                cancellationToken)).ConfigureAwait(false);
        var files = InputFiles.Expand([folder], Stream);
        await progress.StageAsync("importing", () => ImportAsync(files, cancellationToken)).ConfigureAwait(false);
        var windows = await progress.StageAsync("computing the feature and count views", () => ComputeAsync(cancellationToken)).ConfigureAwait(false);
        return new Traffic(seed, Start, Start + options.Duration, files.Count, generated.Flows, windows, generated.Labels);
    }

    private async Task<int> ImportAsync(IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        var importer = new Importer(dataSource);
        for (var i = 0; i < files.Count; i++)
        {
            await importer.ImportFileAsync(files[i], new ImportOptions { Stream = Stream }, cancellationToken).ConfigureAwait(false);
            if ((i + 1) % 144 == 0 || i == files.Count - 1)
            {
                progress.Say($"  imported {i + 1}/{files.Count} files");
            }
        }

        await importer.MarkCompleteAsync("public", Stream, cancellationToken).ConfigureAwait(false);
        return files.Count;
    }

    private async Task<int> ComputeAsync(CancellationToken cancellationToken)
    {
        var jobs = JobFile.LoadDirectory(Path.Combine(home.ConfDirectory, "jobs")).Where(j => JobNames.Contains(j.Name)).ToList();
        if (jobs.Count != JobNames.Length)
        {
            throw new InvalidOperationException(
                $"conf/jobs must define {string.Join(", ", JobNames)}; found {string.Join(", ", jobs.Select(j => j.Name))}");
        }

        var windows = 0;
        var failures = new List<string>();
        var scheduler = new Scheduler(dataSource, jobs)
        {
            OnWindow = _ =>
            {
                if (Interlocked.Increment(ref windows) % 432 == 0)
                {
                    progress.Say($"  {windows} windows computed");
                }
            },
            OnFailure = (job, window, error) =>
            {
                lock (failures)
                {
                    failures.Add($"{job} {window:O}: {error.Message}");
                }
            },
        };
        await scheduler.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var runs = await scheduler.RunUntilIdleAsync(cancellationToken).ConfigureAwait(false);
        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"{failures.Count} job windows failed, the first: {failures[0]}");
        }

        return runs.Count;
    }
}
