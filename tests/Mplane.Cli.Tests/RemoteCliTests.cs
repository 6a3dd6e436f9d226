using System.Diagnostics;
using System.Text.Json;
using Mplane.Host.Modules;
using Mplane.Testing;

namespace Mplane.Cli.Tests;

/// <summary><c>mplane remote</c> as an operator runs it, against a database fed by the CLI itself.</summary>
public sealed class RemoteCliTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private Dictionary<string, string> _environment = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("remotecli", TestTimeout.Token);
        _environment = new Dictionary<string, string> { ["MPLANE_PG"] = _database.ConnectionString };
        await RunAsync("import", "--stream", "log_tcp_complete", "--complete", TestPaths.TstatSamples);
        await RunAsync("jobs", "run");
        var modules = new ModuleStates(_database.DataSource);
        await modules.EnsureAsync(TestTimeout.Token);
        await modules.ReportAsync("scheduler", "repo-1:4242", ModuleState.Running, null, 0, TestTimeout.Token);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Remote_shows_modules_streams_jobs_and_retention_on_one_screen_of_100_columns()
    {
        using var directory = new TemporaryDirectory("remotecli");
        var config = Path.Combine(directory.Path, "repository.yaml");
        await File.WriteAllTextAsync(config, "retention:\n  - table: log_tcp_complete\n    max_age: 30d\n    max_size: 50 GB\n", TestTimeout.Token);
        var result = await RunAsync("remote", "--config", config);
        var screen = result.StandardOutput;
        Assert.All(screen.Split('\n'), line => Assert.True(line.Length <= 100, $"{line.Length} columns: {line}"));

        Assert.Matches(@"scheduler\s+repo-1:4242\s+running\s+0\s+\d+s", screen);
        Assert.Matches(@"public\.log_tcp_complete\s+3\s+495\s+0\s", screen); // files, rows, rejected
        Assert.Matches(@"last file .*2015_02_28_00_30\.out/log_tcp_complete", screen); // the newest of the three samples
        Assert.Matches(@"flows_5min\s+5m\s+2015-02-28 00:35\s+25\s+0\s+0\s+25\s", screen); // next window, done, ready, recompute, runs
        Assert.Contains("JOBS   queue: 0 windows ready, 0 to recompute   running: none", screen, StringComparison.Ordinal);
        Assert.Matches(@"public\.flows_5min\s+view\s+25\s.*\sall\n", screen);
        Assert.Matches(@"public\.log_tcp_complete\s+base\s+3\s+495\s.*\s30d, 50 GB\n", screen);
        Assert.Contains("ALARMS   0 open", screen, StringComparison.Ordinal);
        Assert.Contains("(no continuous query)", screen, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", screen, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Remote_json_has_the_same_values()
    {
        var result = await RunAsync("remote", "--json");
        using var json = JsonDocument.Parse(result.StandardOutput);
        var root = json.RootElement;
        var module = root.GetProperty("modules").EnumerateArray().Single();
        Assert.Equal("scheduler", module.GetProperty("module").GetString());
        Assert.Equal("running", module.GetProperty("state").GetString());

        var stream = root.GetProperty("streams").EnumerateArray().Single();
        Assert.Equal("public.log_tcp_complete", stream.GetProperty("status").GetProperty("name").GetString());
        Assert.Equal(495, stream.GetProperty("status").GetProperty("rows").GetInt64());
        Assert.EndsWith("log_tcp_complete", stream.GetProperty("status").GetProperty("lastFile").GetString(), StringComparison.Ordinal);
        Assert.True(stream.GetProperty("bytes").GetInt64() > 0);
        Assert.Equal(495, stream.GetProperty("rowsLastHour").GetInt64()); // imported just now
        Assert.True(stream.GetProperty("lagSeconds").GetDouble() > 0);

        var job = root.GetProperty("jobs").EnumerateArray().Single(j => j.GetProperty("status").GetProperty("name").GetString() == "flows_5min");
        Assert.Equal(25, job.GetProperty("status").GetProperty("windowsComputed").GetInt64());
        Assert.Equal(25, job.GetProperty("queue").GetProperty("runs").GetInt64());
        Assert.Equal(0, job.GetProperty("queue").GetProperty("windowsReady").GetInt64());
        Assert.Contains(root.GetProperty("tables").EnumerateArray(), t => t.GetProperty("table").GetProperty("name").GetString() == "public.log_tcp_complete");
        Assert.Equal(0, root.GetProperty("alarms").GetProperty("open").GetArrayLength());
    }

    [Fact]
    public async Task Watch_redraws_until_counted_or_stopped()
    {
        // Not a terminal: successive snapshots separated by a blank line.
        var counted = await RunAsync("remote", "--watch", "--interval", "200ms", "--count", "3");
        Assert.Equal(3, CountOf(counted.StandardOutput, "\nMODULES\n"));
        Assert.Equal(2, CountOf(counted.StandardOutput, "\n\nmplane remote "));
        Assert.DoesNotContain("\u001b[", counted.StandardOutput, StringComparison.Ordinal);

        // Without --count it runs until stopped: at least two snapshots in the meantime, then exit 0. SIGTERM rather
        // than Ctrl-C's SIGINT, which a process started in the background inherits as ignored; both cancel the same way.
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "mplane.dll"), "remote", "--watch", "--interval", "200ms"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["MPLANE_PG"] = _database.ConnectionString;
        using var process = Process.Start(start)!;
        try
        {
            await WatchUntilStoppedAsync(process);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private static async Task WatchUntilStoppedAsync(Process process)
    {
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.Append(e.Data).Append('\n');
            }
        };
        process.BeginOutputReadLine();
        var stderr = process.StandardError.ReadToEndAsync(TestTimeout.Token);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Snapshots() < 2 && DateTime.UtcNow < deadline && !process.HasExited)
        {
            await Task.Delay(100, TestTimeout.Token);
        }

        Assert.True(Snapshots() >= 2, $"{Snapshots()} snapshots before the deadline");
        await ProcessSignals.TerminateAsync(process, TestTimeout.Token);
        await process.WaitForExitAsync(TestTimeout.Token);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");

        int Snapshots()
        {
            lock (output)
            {
                return CountOf(output.ToString(), "MODULES\n");
            }
        }
    }

    [Fact]
    public async Task Bad_intervals_and_counts_exit_2()
    {
        var interval = await MplaneProcess.RunAsync(_environment, ["remote", "--watch", "--interval", "soon"]);
        Assert.Equal(2, interval.ExitCode);
        Assert.Contains("--interval: 'soon' is not a duration", interval.StandardError, StringComparison.Ordinal);
        var count = await MplaneProcess.RunAsync(_environment, ["remote", "--watch", "--count", "0"]);
        Assert.Equal(2, count.ExitCode);
        Assert.Contains("--count: at least 1", count.StandardError, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private async Task<Mplane.Postgres.CommandResult> RunAsync(params string[] arguments)
    {
        var result = await MplaneProcess.RunAsync(_environment, arguments);
        Assert.True(result.ExitCode == 0, $"mplane {string.Join(' ', arguments)}: {result.StandardError}");
        return result;
    }
}
