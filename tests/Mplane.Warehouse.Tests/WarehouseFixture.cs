using Mplane.Generators.Tstat;
using Mplane.LogFormats.Scanning;
using Mplane.Testing;
using Mplane.Warehouse.Import;
using Mplane.Warehouse.Jobs;

namespace Mplane.Warehouse.Tests;

/// <summary>A test database with generated 5-minute Tstat files and helpers to import them and run jobs.</summary>
internal sealed class WarehouseFixture : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2015, 2, 27, 18, 0, 0, TimeSpan.Zero);

    private readonly TemporaryDirectory _directory;

    private WarehouseFixture(TestDatabase database, TemporaryDirectory directory, IReadOnlyList<string> files, long flows)
    {
        _directory = directory;
        Database = database;
        Files = files;
        Flows = flows;
        Importer = new Importer(database.DataSource);
    }

    public TestDatabase Database { get; }

    /// <summary>Generated files, one per 5 minutes, in time order.</summary>
    public IReadOnlyList<string> Files { get; }

    public long Flows { get; }

    public Importer Importer { get; }

    public static async Task<WarehouseFixture> CreateAsync(string purpose, TimeSpan duration, double rate = 3)
    {
        var database = await TestDatabase.CreateAsync(purpose, TestTimeout.Token);
        var directory = new TemporaryDirectory("warehouse");
        var summary = await new TstatLogGenerator().GenerateAsync(
            new TstatGeneratorOptions { OutputDirectory = directory.Path, Start = Start, Duration = duration, Interval = TimeSpan.FromMinutes(5), Rate = rate, Seed = 9 },
            null,
            TestTimeout.Token);
        return new WarehouseFixture(database, directory, InputFiles.Expand([directory.Path], "log_tcp_complete"), summary.Flows);
    }

    public async Task ImportAsync(IEnumerable<string> files, bool complete = false)
    {
        foreach (var file in files)
        {
            await Importer.ImportFileAsync(file, new ImportOptions { Stream = "log_tcp_complete" }, TestTimeout.Token);
        }

        if (complete)
        {
            await Importer.MarkCompleteAsync("public", "log_tcp_complete", TestTimeout.Token);
        }
    }

    public static IReadOnlyList<JobDefinition> ExampleJobs(params string[] names) =>
        JobFile.LoadDirectory(Path.Combine(TestPaths.Home.ConfDirectory, "jobs")).Where(j => names.Length == 0 || names.Contains(j.Name)).ToList();

    public Scheduler Scheduler(IReadOnlyList<JobDefinition> jobs, SchedulerOptions? options = null) => new(Database.DataSource, jobs, options);

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        _directory.Dispose();
    }
}
