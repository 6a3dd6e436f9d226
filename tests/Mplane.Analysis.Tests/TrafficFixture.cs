using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Analysis;
using Mplane.Generators.Tstat;
using Mplane.LogFormats.Scanning;
using Mplane.Testing;
using Mplane.Warehouse.Import;
using Mplane.Warehouse.Jobs;

namespace Mplane.Analysis.Tests;

/// <summary>
/// Generated Tstat traffic in a test database: twelve hours of 5-minute files at a few flows per second,
/// optionally with one labelled anomaly of each kind in the second half (at 1/2, 5/8, 3/4 and 7/8 of the run), imported and turned into the
/// example feature and count views by the scheduler.
/// </summary>
public sealed class TrafficFixture : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2015, 2, 27, 0, 0, 0, TimeSpan.Zero);

    private readonly TemporaryDirectory _directory;

    private TrafficFixture(TestDatabase database, TemporaryDirectory directory, IReadOnlyList<string> files, IReadOnlyList<AnomalyLabel> labels)
    {
        Database = database;
        _directory = directory;
        Files = files;
        Labels = labels;
    }

    public TestDatabase Database { get; }

    public IReadOnlyList<string> Files { get; }

    public IReadOnlyList<AnomalyLabel> Labels { get; }

    public static IReadOnlyList<JobDefinition> Jobs { get; } =
        JobFile.LoadDirectory(Path.Combine(TestPaths.Home.ConfDirectory, "jobs")).Where(j => j.Name is "features_5min" or "flows_5min" or "clients_5min").ToList();

    /// <summary>Generates the traffic; nothing is imported yet.</summary>
    public static async Task<TrafficFixture> CreateAsync(string purpose, bool anomalies, TimeSpan? duration = null, double rate = 4)
    {
        var database = await TestDatabase.CreateAsync(purpose, TestTimeout.Token);
        var directory = new TemporaryDirectory("analysis");
        var length = duration ?? TimeSpan.FromHours(12);
        var requests = anomalies
            ? new[] { AnomalyKind.PortScan, AnomalyKind.Ddos, AnomalyKind.Outage, AnomalyKind.FlashCrowd }
                .Select((kind, i) => new AnomalyRequest(kind, null, length * (0.5 + (0.125 * i)), TimeSpan.FromMinutes(15)))
                .ToList()
            : [];
        var summary = await new TstatLogGenerator().GenerateAsync(
            new TstatGeneratorOptions
            {
                OutputDirectory = directory.Path, Start = Start, Duration = length, Interval = TimeSpan.FromMinutes(5),
                Rate = rate, Seed = 7, Anomalies = requests,
            },
            null,
            TestTimeout.Token);
        return new TrafficFixture(database, directory, InputFiles.Expand([directory.Path], "log_tcp_complete"), summary.Labels);
    }

    /// <summary>Imports <paramref name="files"/> and runs the feature jobs as far as they can go.</summary>
    public async Task ImportAndComputeAsync(IEnumerable<string> files, bool complete)
    {
        var importer = new Importer(Database.DataSource);
        foreach (var file in files)
        {
            await importer.ImportFileAsync(file, new ImportOptions { Stream = "log_tcp_complete" }, TestTimeout.Token);
        }

        if (complete)
        {
            await importer.MarkCompleteAsync("public", "log_tcp_complete", TestTimeout.Token);
        }

        var scheduler = new Scheduler(Database.DataSource, Jobs);
        await scheduler.PrepareAsync(TestTimeout.Token);
        await scheduler.RunUntilIdleAsync(TestTimeout.Token);
    }

    public AnalysisRunner Runner(AnalysisSettings? settings = null) =>
        new(Database.DataSource, settings ?? new AnalysisSettings(), NullLogger<AnalysisRunner>.Instance);

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        _directory.Dispose();
    }
}
