// The example job set (conf/jobs) over generated Tstat data, fed file by file as a probe would:
// each 5-minute file is imported (closing the previous window), then the scheduler runs until idle.
// Reports import and job totals and the freshness of each window: the time from the import of the
// file that completes it to all of its views being computed.
// Usage: dotnet run -c Release --project bench/Mplane.Bench.Jobs -- [HOURS] [FLOWS_PER_SECOND] [stream]
// With "stream", each 5-minute file is generated just before its import and deleted after it, and
// retention keeps one hour of the base table: a day of data then fits on a small disk.
using System.Diagnostics;
using System.Globalization;
using Mplane.Configuration;
using Mplane.Generators.Tstat;
using Mplane.LogFormats.Scanning;
using Mplane.Postgres;
using Mplane.Warehouse.Import;
using Mplane.Warehouse.Jobs;
using Npgsql;

var hours = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 24;
var rate = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
var home = ProjectHome.Discover();
var work = Path.Combine(home.DataDirectory, "bench", "jobs");
var logs = Path.Combine(work, $"logs-{hours}h-{rate}");
var start = new DateTimeOffset(2015, 2, 27, 0, 0, 0, TimeSpan.Zero);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
var ct = stop.Token;
var streaming = args.Length > 2 && args[2] == "stream";

if (!streaming && !File.Exists(Path.Combine(logs, AnomalyLabel.FileName)))
{
    Console.Error.WriteLine($"generating {hours} h at {rate} flows/s into {logs}");
    await new TstatLogGenerator().GenerateAsync(
        new TstatGeneratorOptions { OutputDirectory = logs, Start = start, Duration = TimeSpan.FromHours(hours), Interval = TimeSpan.FromMinutes(5), Rate = rate, Seed = 31 },
        null, ct);
}

var resolved = await new DatabaseLocator(home, ProcessEnvironment.Instance).ResolveAsync(null, ct);
var database = $"bench_jobs_{DateTime.UtcNow:yyyyMMddHHmmss}";
await using (var admin = new NpgsqlConnection(resolved.ConnectionString))
{
    await admin.OpenAsync(ct);
    await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
    await create.ExecuteNonQueryAsync(ct);
}

await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(resolved.ConnectionString) { Database = database }.ConnectionString);
var jobs = JobFile.LoadDirectory(Path.Combine(home.ConfDirectory, "jobs"));
var importer = new Importer(dataSource);
var scheduler = new Scheduler(dataSource, jobs, new SchedulerOptions { Parallelism = 2 });
await scheduler.PrepareAsync(ct);

var fileCount = (int)Math.Round(hours * 12);
var files = streaming ? [] : InputFiles.Expand([logs], "log_tcp_complete");
var generator = new TstatLogGenerator();
var retention = new Mplane.Warehouse.Retention.RetentionPolicy(
    new(Mplane.Warehouse.Sql.Identifier.Of("public"), Mplane.Warehouse.Sql.Identifier.Of("log_tcp_complete")), TimeSpan.FromHours(1), null);
async Task<string> FileAsync(int index)
{
    if (!streaming)
    {
        return files[index];
    }

    var summary = await generator.GenerateAsync(
        new TstatGeneratorOptions { OutputDirectory = logs, Start = start.AddMinutes(5 * index), Duration = TimeSpan.FromMinutes(5), Interval = TimeSpan.FromMinutes(5), Rate = rate, Seed = 31 },
        null, ct);
    return summary.Files[0].Path;
}
var importTime = TimeSpan.Zero;
var jobTime = TimeSpan.Zero;
long rows = 0, windows = 0;
var freshness = new List<double>();
var total = Stopwatch.StartNew();
var count = streaming ? fileCount : files.Count;
for (var i = 0; i < count; i++)
{
    var file = await FileAsync(i);
    var clock = Stopwatch.StartNew();
    rows += (await importer.ImportFileAsync(file, new ImportOptions { Stream = "log_tcp_complete" }, ct)).Rows;
    if (i == count - 1)
    {
        await importer.MarkCompleteAsync("public", "log_tcp_complete", ct);
    }

    importTime += clock.Elapsed;
    var imported = clock.Elapsed;
    var runs = await scheduler.RunUntilIdleAsync(ct);
    jobTime += clock.Elapsed - imported;
    windows += runs.Count;

    // The 5-minute views of the window this import completed are done now: freshness is the time since that import finished.
    if (runs.Any(r => r.Job == "flows_5min"))
    {
        freshness.Add((clock.Elapsed - imported).TotalSeconds);
    }

    if (streaming)
    {
        File.Delete(file);
    }

    if (i % 12 == 11)
    {
        if (streaming)
        {
            await Mplane.Warehouse.Retention.RetentionRunner.RunAsync(dataSource, [retention], ct);
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {i + 1}/{count} files, {rows:N0} rows, {windows} windows, {total.Elapsed.TotalSeconds:0} s"));
    }
}

freshness.Sort();
double Percentile(double p) => freshness.Count == 0 ? double.NaN : freshness[(int)Math.Min(freshness.Count - 1, Math.Round(p * (freshness.Count - 1)))];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

    | example job set, {hours} h at {rate} flows/s | value |
    |---|---|
    | files, rows | {count} files, {rows:N0} rows{(streaming ? " (generated one by one, deleted after import; generation excluded from import and job times, included in the total)" : string.Empty)} |
    | total time | {total.Elapsed.TotalSeconds:0.0} s ({hours * 3600 / total.Elapsed.TotalSeconds:0}x faster than real time) |
    | import | {importTime.TotalSeconds:0.0} s, {rows / importTime.TotalSeconds:N0} rows/s |
    | jobs | {jobTime.TotalSeconds:0.0} s for {windows} windows ({jobs.Count} jobs) |
    | freshness (import done to 5-minute views done) | median {Percentile(0.5):0.00} s, 95th percentile {Percentile(0.95):0.00} s, max {Percentile(1):0.00} s |
    """));

await using (var admin = new NpgsqlConnection(resolved.ConnectionString))
{
    await admin.OpenAsync(CancellationToken.None);
    NpgsqlConnection.ClearAllPools();
    await using var drop = new NpgsqlCommand($"DROP DATABASE {database} WITH (FORCE)", admin);
    await drop.ExecuteNonQueryAsync(CancellationToken.None);
}
