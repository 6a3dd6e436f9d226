using System.Diagnostics;
using Mplane.Postgres;
using Mplane.Testing;

namespace Mplane.Math.Tests;

public sealed class CommandLineTests
{
    private const string Stream = "example_log_tcp_complete";

    [Fact]
    public async Task The_original_command_line_and_xml_work_unchanged_and_the_start_time_is_UTC_on_any_host()
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync($"""
            listen: 127.0.0.1:0
            plain_http: true
            roles: {"{"}Identity.Unauthenticated.Default: probes{"}"}
            authorizations: {"{"}example_: probes{"}"}
            spool: {site.Spool}
            handler: copy
            poll_interval: 1s
            """);
        var port = FreePort.Pick();
        var xml = site.Directory.Combine("math_probe.xml");
        File.WriteAllText(xml, $"""<config ip="localhost" port="{port}" directory="example_data/" streamName="{Stream}" streamType="log_tcp_complete_v15" fileTimeConvMethod="tstat"/>""");

        // As the Tstat proxy launches it: from math_path, with the spec's start in UTC, on a host in Vienna.
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "math_probe.dll"), "--config", xml, "--repoUrl", $"localhost:{repo.Address.Port}", "--startTime", "2015-02-27T00:00:00"])
        {
            WorkingDirectory = Path.GetDirectoryName(TestPaths.TstatSamples)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["TZ"] = "Europe/Vienna";
        using var probe = Process.Start(start)!;
        try
        {
            for (var i = 0; i < 300 && repo.Services.Store.Ledger.Entries.Count < 2; i++)
            {
                await Task.Delay(100, TestTimeout.Token);
            }

            Assert.Equal(2, repo.Services.Store.Ledger.Entries.Count); // the finished periods; the newest waits for Tstat
            var import = Assert.Single(repo.Services.Pull.Imports);
            Assert.Equal(1424995200, import.Registration.StartTime);
            Assert.Equal($"localhost:{port}", import.Registration.CallBackUrl);
            Assert.Equal("example_data/2015/02-Feb/2015_02_27_22_30.out/log_tcp_complete", repo.Services.Store.Ledger.Entries.OrderBy(e => e.Path, StringComparer.Ordinal).First().Path);
        }
        finally
        {
            probe.Kill(entireProcessTree: true);
            await probe.WaitForExitAsync(TestTimeout.Token);
        }
    }

    [Theory]
    [InlineData("math_repo", "INT")]
    [InlineData("math_repo", "TERM")]
    [InlineData("math_probe", "INT")]
    [InlineData("math_probe", "TERM")]
    public async Task A_signal_stops_the_program_within_seconds(string program, string signal)
    {
        using var directory = new TemporaryDirectory("signal");
        var port = FreePort.Pick();
        var config = directory.Combine(program + ".yaml");
        Directory.CreateDirectory(directory.Combine("logs"));
        File.WriteAllText(config, program == "math_repo"
            ? $"listen: 127.0.0.1:{port}\nplain_http: true\nspool: spool\nhandler: copy\n"
            : $"directory: {directory.Combine("logs")}\nrepository: http://127.0.0.1:{FreePort.Pick()}\nledger: {directory.Combine("ledger.jsonl")}\nstatus_listen: 127.0.0.1:{port}\n");
        using var process = Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, program + ".dll"), "--config", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync(TestTimeout.Token);
        for (var i = 0; i < 200 && FreePort.IsFree(port); i++)
        {
            await Task.Delay(50, TestTimeout.Token); // until it listens
        }

        Assert.False(FreePort.IsFree(port));
        using (var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestTimeout.Token);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestTimeout.Token);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.Equal(0, process.ExitCode);
        _ = await output;
    }

    [Fact]
    public async Task A_configuration_error_names_the_file_and_key_and_exits_2()
    {
        using var directory = new TemporaryDirectory("probecli");
        var yaml = directory.Combine("math_probe.yaml");
        File.WriteAllText(yaml, "mode: sideways\n");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "math_probe.dll"), "--config", yaml]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var probe = Process.Start(start)!;
        var error = await probe.StandardError.ReadToEndAsync(TestTimeout.Token);
        await probe.WaitForExitAsync(TestTimeout.Token);
        Assert.Equal(2, probe.ExitCode);
        Assert.Contains($"{yaml}: mode: 'sideways' is not a mode: use push or pull", error, StringComparison.Ordinal);

        var repoYaml = directory.Combine("math_repo.yaml");
        File.WriteAllText(repoYaml, "max_file_size: 10 G\nplain_http: true\n");
        using var repo = Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "math_repo.dll"), "--config", repoYaml]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var repoError = await repo.StandardError.ReadToEndAsync(TestTimeout.Token);
        await repo.WaitForExitAsync(TestTimeout.Token);
        Assert.Equal(2, repo.ExitCode);
        Assert.Contains($"{repoYaml}: max_file_size: '10 G' is not a size", repoError, StringComparison.Ordinal);
    }
}
