using Mplane.Testing;

namespace Mplane.Cli.Tests;

/// <summary>The operator's path as processes: gen, import, jobs run, analysis run, alarms, alarms ack.</summary>
public sealed class AnalysisCliTests
{
    [Fact]
    public async Task Generated_traffic_with_a_ddos_is_imported_computed_analysed_and_its_alarm_listed_and_acknowledged()
    {
        await using var database = await TestDatabase.CreateAsync("analysiscli", TestTimeout.Token);
        using var directory = new TemporaryDirectory("analysiscli");
        var environment = new Dictionary<string, string> { ["MPLANE_PG"] = database.ConnectionString };
        async Task<Mplane.Postgres.CommandResult> Run(params string[] arguments)
        {
            var result = await MplaneProcess.RunAsync(environment, arguments);
            Assert.True(result.ExitCode == 0, $"mplane {string.Join(' ', arguments)}: {result.StandardError}");
            return result;
        }

        await Run("gen", "tstat", "--out", directory.Path, "--start", "2015-02-27T00:00:00Z", "--duration", "6h", "--interval", "5m", "--rate", "4", "--seed", "3", "--anomaly", "ddos@+4h/15m");
        await Run("import", "--stream", "log_tcp_complete", directory.Path);
        var jobs = await Run("jobs", "run", "--analysis"); // the analysis rides on the scheduler
        Assert.Contains("analysis: 71 bins evaluated", jobs.StandardOutput, StringComparison.Ordinal); // the newest window waits: the stream may still get files for it
        var analysis = await Run("analysis", "run");
        Assert.Contains("no closed bin to evaluate", analysis.StandardOutput, StringComparison.Ordinal);

        var alarms = await Run("alarms", "--from", "2015-02-27T00:00:00Z");
        Assert.Contains("2015-02-27 04:00  server_ip    kl_refset", alarms.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("open", alarms.StandardOutput, StringComparison.Ordinal);

        await Run("alarms", "ack", "2015-02-27T04:00:00Z", "--feature", "server_ip");
        var after = await Run("alarms", "--from", "2015-02-27T04:00:00Z", "--to", "2015-02-27T04:05:00Z");
        Assert.Contains("server_ip    kl_refset", after.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("acknowledged", after.StandardOutput, StringComparison.Ordinal);

        var wrong = await MplaneProcess.RunAsync(environment, ["alarms", "ack", "2015-02-27T01:00:00Z"]);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("no alarm in the bin 2015-02-27T01:00:00Z", wrong.StandardError, StringComparison.Ordinal);
    }
}
