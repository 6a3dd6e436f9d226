using Mplane.LogFormats.Scanning;
using Mplane.Testing;
using Mplane.Warehouse.Import;
using Mplane.Warehouse.Jobs;

namespace Mplane.Host.Tests;

/// <summary>The warehouse the host's tests look at: the Tstat samples imported (495 flows, 3 files) and some of conf/jobs run.</summary>
internal static class SampleWarehouse
{
    /// <summary>Imports the samples into <c>log_tcp_complete</c>, declared complete.</summary>
    public static async Task ImportSamplesAsync(TestDatabase database, CancellationToken cancellationToken)
    {
        var importer = new Importer(database.DataSource);
        foreach (var file in InputFiles.Expand([TestPaths.TstatSamples]))
        {
            await importer.ImportFileAsync(file, new ImportOptions { Stream = "log_tcp_complete" }, cancellationToken);
        }

        await importer.MarkCompleteAsync("public", "log_tcp_complete", cancellationToken);
    }

    /// <summary>The jobs of conf/jobs named <paramref name="names"/>.</summary>
    public static List<JobDefinition> Jobs(params string[] names)
    {
        var jobs = JobFile.LoadDirectory(Path.Combine(TestPaths.Home.ConfDirectory, "jobs")).Where(j => names.Contains(j.Name)).ToList();
        Assert.Equal(names.Length, jobs.Count);
        return jobs;
    }

    /// <summary>A copy of <paramref name="job"/> that fails on every window (a division by zero), named broken.</summary>
    public static JobDefinition Broken(JobDefinition job) =>
        job with { Name = "broken", Output = new(Warehouse.Sql.Identifier.Of("public"), Warehouse.Sql.Identifier.Of("broken")), Query = "SELECT __STARTTS, 1/0, 1, 1" };

    /// <summary>Runs <paramref name="jobs"/> over everything imported.</summary>
    public static async Task RunAsync(TestDatabase database, IReadOnlyList<JobDefinition> jobs, CancellationToken cancellationToken)
    {
        var scheduler = new Scheduler(database.DataSource, jobs);
        await scheduler.PrepareAsync(cancellationToken);
        await scheduler.RunUntilIdleAsync(cancellationToken);
    }
}
