using System.Diagnostics;
using Mplane.Generators.Tstat;
using Mplane.Testing;

namespace Mplane.Cli.Tests;

/// <summary><c>mplane repo run</c> as a process: SIGTERM in the middle of an import and of a job leaves nothing half written.</summary>
public sealed class RepoHostCliTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private readonly TemporaryDirectory _directory = new("repohost");

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("repohost", TestTimeout.Token);

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _directory.Dispose();
    }

    private Dictionary<string, string> Environment => new() { ["MPLANE_PG"] = _database.ConnectionString };

    [Fact]
    public async Task Sigterm_during_an_import_stops_the_host_within_seconds_and_leaves_no_row_of_the_file()
    {
        // Two 5-minute periods: the first is finished (the second, the newest, is held back as Tstat may still write it).
        var logs = _directory.Combine("logs");
        await new TstatLogGenerator().GenerateAsync(
            new TstatGeneratorOptions
            {
                OutputDirectory = logs, Start = new DateTimeOffset(2015, 2, 27, 22, 0, 0, TimeSpan.Zero),
                Duration = TimeSpan.FromMinutes(10), Interval = TimeSpan.FromMinutes(5), Rate = 1500, Seed = 7,
            },
            null,
            TestTimeout.Token);
        var config = WriteConfig("""
            host:
              shutdown_timeout: 10s
            modules:
              importer:
                interval: 1s
                folders:
                  - path: logs
                    stream: sigterm
            """);

        using var host = Start(config, "importer");
        await WaitForAsync(host, "SELECT count(*) > 0 FROM pg_stat_progress_copy WHERE datname = current_database() AND tuples_processed > 1000");
        var stopped = await TerminateAsync(host);
        Assert.True(stopped < TimeSpan.FromSeconds(15), $"the host took {stopped} to stop");
        Assert.Equal(0, host.ExitCode);

        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname LIKE 'sigterm%'"));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.imports"));
        Assert.Equal("stopped", await _database.ScalarAsync<string>("SELECT state FROM mplane.modules WHERE module = 'importer'"));

        // Started again, it imports the file once, whole.
        var first = Directory.GetFiles(logs, "log_tcp_complete", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        using var again = Start(config, "importer");
        await WaitForAsync(again, "SELECT count(*) = 1 FROM mplane.imports");
        await TerminateAsync(again);
        Assert.Equal(File.ReadLines(first).Count(l => !l.StartsWith('#')), await _database.ScalarAsync<long>("SELECT count(*) FROM sigterm"));
    }

    [Fact]
    public async Task Sigterm_during_a_job_abandons_its_window_cleanly()
    {
        var import = await MplaneProcess.RunAsync(Environment, ["import", "--stream", "log_tcp_complete", "--complete", TestPaths.TstatSamples]);
        Assert.True(import.ExitCode == 0, import.StandardError);
        Directory.CreateDirectory(_directory.Combine("jobs"));
        await File.WriteAllTextAsync(_directory.Combine("jobs", "slow.yaml"), """
            name: slow
            inputs:
              - table: log_tcp_complete
            output:
              table: slow_5min
              window: 5m
              columns:
                - flows bigint
            query: |
              SELECT __STARTTS, count(*) FROM __IN0 CROSS JOIN pg_sleep(120)
            """, TestTimeout.Token);
        var config = WriteConfig("""
            modules:
              scheduler:
                jobs: jobs
                poll: 1s
            """);

        using var host = Start(config, "scheduler");
        await WaitForAsync(host, "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()");
        var stopped = await TerminateAsync(host);
        Assert.True(stopped < TimeSpan.FromSeconds(15), $"the host took {stopped} to stop");
        Assert.Equal(0, host.ExitCode);

        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.partitions WHERE table_name = 'slow_5min'"));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname LIKE 'slow_5min_%'"));
        Assert.Equal(0L, await _database.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()"));
        Assert.Equal("stopped", await _database.ScalarAsync<string>("SELECT state FROM mplane.modules WHERE module = 'scheduler'"));
    }

    [Fact]
    public async Task A_configuration_error_stops_the_host_at_once_naming_file_and_key()
    {
        Directory.CreateDirectory(_directory.Combine("jobs"));
        var config = WriteConfig("""
            modules:
              scheduler:
                poll: never
            """);
        var result = await MplaneProcess.RunAsync(Environment, ["repo", "run", "--config", config, "--only", "scheduler"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(config, result.StandardError, StringComparison.Ordinal);
        Assert.Contains("modules.scheduler.poll", result.StandardError, StringComparison.Ordinal);

        var check = await MplaneProcess.RunAsync(Environment, ["repo", "check", "--config", config, "--only", "status"]);
        Assert.True(check.ExitCode == 0, check.StandardError);
        Assert.Contains("modules: status", check.StandardOutput, StringComparison.Ordinal);
    }

    private string WriteConfig(string yaml)
    {
        var file = _directory.Combine("repository.yaml");
        File.WriteAllText(file, yaml);
        return file;
    }

    private Process Start(string config, string only)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "mplane.dll"), "repo", "run", "--config", config, "--only", only])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["MPLANE_PG"] = _database.ConnectionString;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitForAsync(Process host, string condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!host.HasExited && DateTime.UtcNow < deadline && !await _database.ScalarAsync<bool>(condition))
        {
            await Task.Delay(20, TestTimeout.Token);
        }

        Assert.False(host.HasExited, "the host ended by itself");
        Assert.True(DateTime.UtcNow < deadline, $"never: {condition}");
    }

    /// <summary>Sends SIGTERM and returns how long the host took to exit.</summary>
    private static async Task<TimeSpan> TerminateAsync(Process host)
    {
        var clock = Stopwatch.StartNew();
        await ProcessSignals.TerminateAsync(host, TestTimeout.Token);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestTimeout.Token);
        limit.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await host.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            host.Kill(entireProcessTree: true);
            throw;
        }

        return clock.Elapsed;
    }
}
