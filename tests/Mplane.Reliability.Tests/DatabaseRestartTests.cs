using System.Diagnostics;
using Mplane.Reliability.Tests.Crash;
using Mplane.Reliability.Tests.Sites;
using Mplane.Testing;
using Xunit.Abstractions;

namespace Mplane.Reliability.Tests;

/// <summary>
/// PostgreSQL stopped (<c>pg_ctl stop -m fast</c>) in the middle of a run, while files are imported,
/// and started again some seconds later, on a cluster of the test's own: the repository host
/// (math_repo, the scheduler, analysis) keeps running, math_repo keeps receiving files meanwhile, and
/// without any operator action everything ends imported exactly once and computed, the modules'
/// restarts recorded in <c>mplane.modules</c>.
/// </summary>
public sealed class DatabaseRestartTests(ITestOutputHelper output)
{
    private const string Scenario = "database restart (PostgreSQL stopped mid-run)";

    /// <summary>How long the server stays away at least: long enough for every module to have tried it and failed.</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task PostgreSQL_stopped_mid_run_and_started_again_is_waited_for_and_the_repository_resumes_without_an_operator()
    {
        using var limit = new CancellationTokenSource(ReliabilityRun.Full ? TimeSpan.FromMinutes(10) : TimeSpan.FromMinutes(3));
        var ct = limit.Token;
        var clock = Stopwatch.StartNew();
        var outages = ReliabilityRun.Trials(full: 3, shortForm: 1);
        await using var cluster = await SiteCluster.CreateAsync(ct);
        await using var site = await RepositorySite.CreateAsync(new SiteOptions { ConnectionString = cluster.ConnectionString, Purpose = "pgrestart" }, ct);
        await site.GenerateAsync(TimeSpan.FromMinutes(ReliabilityRun.Full ? 90 : 40), rate: 10, seed: 12, [], ct);
        // Files come in batches: one before each outage (to be cut mid-import), one during it (stored while the database is away).
        var batch = (site.Files.Count - 1) / (2 * outages + 1);
        site.Release(batch + 1);
        var host = site.StartHost();
        await site.WaitForHostAsync(TimeSpan.FromSeconds(60), ct);
        site.StartProbe();
        output.WriteLine($"cluster, host and probe up at {clock.Elapsed.TotalSeconds:0.0} s");

        var observer = new CrashObserver(site);
        var downtimes = new List<TimeSpan>();
        var recoveries = new List<TimeSpan>();
        var storedMeanwhile = 0;
        for (var outage = 0; outage < outages; outage++)
        {
            // Mid-run: a file being imported when the server goes (or whatever runs when none comes).
            if (outage > 0)
            {
                site.Release(batch);
            }

            var copying = await observer.WaitForAsync(CrashPhase.Import, TimeSpan.FromSeconds(30), ct);
            var acknowledged = site.ProbeAcknowledged();
            var down = Stopwatch.StartNew();
            await cluster.StopAsync(ct);

            // While it is away the probe ships on and math_repo stores (and acknowledges) what comes.
            site.Release(batch);
            var shippable = site.Released - 1;
            await site.WaitAsync(() => Task.FromResult(site.ProbeAcknowledged() == shippable), "math_repo stores the files while the database is away", TimeSpan.FromSeconds(60), ct);
            storedMeanwhile += shippable - acknowledged;
            if (down.Elapsed < Outage)
            {
                await Task.Delay(Outage - down.Elapsed, ct); // the outage itself: nothing to await but time
            }

            await cluster.StartAsync(ct);
            downtimes.Add(down.Elapsed);
            var back = Stopwatch.StartNew();
            output.WriteLine($"outage {outage + 1}: stopped {(copying ? "during a COPY" : "between imports")} at {clock.Elapsed.TotalSeconds - down.Elapsed.TotalSeconds:0.0} s for {down.Elapsed.TotalSeconds:0.0} s");

            // Without anyone's help: every file stored is imported.
            await site.WaitUntilAsync(RepositorySite.ImportedFilesSql, TimeSpan.FromMinutes(2), ct, (long)shippable);
            recoveries.Add(back.Elapsed);
            output.WriteLine($"outage {outage + 1}: every stored file imported {back.Elapsed.TotalSeconds:0.0} s after the server was back");
        }

        await site.SettleAsync(TimeSpan.FromMinutes(2), ct);
        Assert.Same(host, site.Host);
        Assert.False(host.HasExited, "the repository host exited");
        Assert.Equal(1, site.HostStarts);
        await site.WaitForHostAsync(TimeSpan.FromSeconds(30), ct, running: true);
        var modules = await ModulesAsync(site, ct);
        output.WriteLine(string.Join("; ", modules.Select(m => $"{m.Module}: {m.State}, {m.Restarts} restarts ({m.LastError})")));
        Assert.Equal(0, await site.StopHostAsync(ct));

        var audit = await SiteAudit.RunAsync(site, ct);
        output.WriteLine($"{site.Files.Count} files, {site.Flows} flows; audit: {audit}; {clock.Elapsed.TotalSeconds:0} s");
        Record("outages (pg_ctl stop -m fast, then start)", outages);
        Record("longest outage (s)", Seconds(downtimes.Max()));
        Record("files math_repo stored while the database was away", storedMeanwhile);
        Record("longest time to import them once it was back (s)", Seconds(recoveries.Max()));
        Record("module restarts recorded in mplane.modules", string.Join(", ", modules.Select(m => $"{m.Module} {m.Restarts}")));
        Record("host restarts / operator actions", "0 / 0");
        Record("rows lost", audit.RowsLost);
        Record("files imported twice", audit.FilesDuplicated);
        Record("view windows missing / computed twice / wrong", $"{audit.WindowsMissing} / {audit.WindowsDuplicated} / {audit.WindowsWrong}");
        Record("wall time (s)", System.Math.Round(clock.Elapsed.TotalSeconds));

        Assert.True(audit.Problems.Count == 0, audit.ToString());
        Assert.Equal(audit.ExpectedRows, audit.Rows);
        Assert.Equal(audit.ExpectedFiles, audit.ImportedFiles);
        Assert.All(modules, m => Assert.Equal("running", m.State));
        Assert.Equal(["analysis", "math_repo", "scheduler"], modules.Select(m => m.Module));

        // The modules that poll the database failed while it was away and were restarted by their supervisor; the record says so.
        Assert.All(modules.Where(m => m.Module is "scheduler" or "analysis"), m => Assert.True(m.Restarts >= outages, $"{m.Module}: {m.Restarts} restarts recorded"));
    }

    /// <summary>The host's modules as <c>mplane.modules</c> holds them (before it stops).</summary>
    private static async Task<List<(string Module, string State, int Restarts, string? LastError)>> ModulesAsync(RepositorySite site, CancellationToken ct)
    {
        var modules = new List<(string, string, int, string?)>();
        await using var command = site.DataSource.CreateCommand("SELECT module, state, restarts, last_error FROM mplane.modules WHERE instance = $1 ORDER BY module");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = site.HostInstance });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            modules.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return modules;
    }

    private static double Seconds(TimeSpan span) => System.Math.Round(span.TotalSeconds, 1);

    private void Record(string measure, object value)
    {
        ReliabilityRun.Record(Scenario, measure, value);
        output.WriteLine($"{measure}: {value}");
    }
}
