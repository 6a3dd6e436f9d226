using System.Diagnostics;
using System.Globalization;
using Mplane.Reliability.Tests.Crash;
using Mplane.Reliability.Tests.Sites;
using Mplane.Testing;
using Xunit.Abstractions;

namespace Mplane.Reliability.Tests;

/// <summary>
/// kill -9 of the repository host (<c>mplane repo run</c>: math_repo, the scheduler, analysis) at
/// random points while a probe ships generated Tstat logs to it: during transfers, during imports
/// (a COPY in progress) and during job windows, then started again at once. Once everything has
/// arrived: every file imported exactly once with all its rows, every closed view window computed
/// exactly once and equal to the base table, one successful run per window, one analysis record per
/// (bin, feature, detector), and views and analysis the same as a clean run over the same files.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Scenario = "crash (kill -9 of the repository host)";

    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("crash", TestTimeout.Token);

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Kill_9_during_transfers_imports_and_jobs_loses_nothing_duplicates_nothing_and_computes_what_a_clean_run_does()
    {
        using var limit = new CancellationTokenSource(ReliabilityRun.Full ? TimeSpan.FromMinutes(20) : TimeSpan.FromMinutes(3));
        var ct = limit.Token;
        var clock = Stopwatch.StartNew();
        var trials = ReliabilityRun.Trials(full: 20, shortForm: 3);
        var seed = Environment.GetEnvironmentVariable("MPLANE_CRASH_SEED") is { Length: > 0 } given
            ? int.Parse(given, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        output.WriteLine($"seed {seed} (MPLANE_CRASH_SEED={seed} repeats this run's kill points)");
        var random = new Random(seed);

        await using var site = await RepositorySite.CreateAsync(new SiteOptions { ConnectionString = _database.ConnectionString, Purpose = "crash" }, ct);
        // Short: 45 minutes (9 files of ~3,500 flows); full: 3 hours (36 files of ~7,000 flows), each with labelled anomalies.
        var (duration, rate, anomalies) = ReliabilityRun.Full
            ? (TimeSpan.FromHours(3), 20, new[] { "portscan@+100m/10m", "ddos@+140m/10m" })
            : (TimeSpan.FromMinutes(45), 10, new[] { "portscan@+30m/10m" });
        await site.GenerateAsync(duration, rate, seed: 11, anomalies, ct);
        await using var reference = SiteReference.Start(site, ct); // the clean run, meanwhile
        site.StartHost();
        await site.WaitForHostAsync(TimeSpan.FromSeconds(60), ct);
        site.StartProbe();
        output.WriteLine($"host and probe started at {clock.Elapsed.TotalSeconds:0.0} s");

        var observer = new CrashObserver(site);
        var kills = new CrashTally();
        var phases = Enum.GetValues<CrashPhase>();
        var first = random.Next(phases.Length);
        var perTrial = System.Math.Max(1, (site.Files.Count - 1) / trials);
        for (var trial = 0; trial < trials; trial++)
        {
            site.Release(perTrial + (trial == 0 ? 1 : 0)); // the first release holds one more: the newest waits for Tstat
            var target = phases[(first + trial) % phases.Length];
            var seen = await observer.WaitForAsync(target, TimeSpan.FromSeconds(30), ct);

            // A random point inside the phase: transfers and job windows last tens of milliseconds here, a file's COPY about a hundred.
            await Task.Delay(random.Next(0, target == CrashPhase.Import ? 60 : 20), ct);
            var active = await observer.ActiveAsync(ct);
            await site.KillHostAsync(ct);
            kills.Add(active);
            output.WriteLine($"trial {trial + 1}: aimed at {target} ({(seen ? "seen" : "not seen")}); killed during {kills.Describe(active)} at {clock.Elapsed.TotalSeconds:0.0} s");

            site.StartHost();
            await site.WaitForHostAsync(TimeSpan.FromSeconds(60), ct);
        }

        await site.SettleAsync(TimeSpan.FromMinutes(ReliabilityRun.Full ? 5 : 2), ct);
        output.WriteLine($"settled at {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(0, await site.StopHostAsync(ct));
        var audit = await SiteAudit.RunAsync(site, ct);
        output.WriteLine($"audited at {clock.Elapsed.TotalSeconds:0.0} s");
        var clean = await reference.CompareAsync(ct);
        output.WriteLine($"{site.Files.Count} files, {site.Flows} flows, {audit.ExpectedWindows} windows per job; audit: {audit}; comparison: {clean}");
        output.WriteLine($"alarmed bins: {string.Join(", ", clean.AlarmedBins.Select(b => b.ToString("HH:mm", CultureInfo.InvariantCulture)))}; {clock.Elapsed.TotalSeconds:0} s");

        Record("trials (kill -9 of the host)", trials);
        Record("seed", seed);
        Record("kills during a transfer", kills.During(CrashPhase.Transfer));
        Record("kills during an import (COPY)", kills.During(CrashPhase.Import));
        Record("kills during a job window", kills.During(CrashPhase.Job));
        Record("kills between phases", kills.Idle);
        Record("files / flows shipped", $"{site.Files.Count} / {site.Flows}");
        Record("rows lost", audit.RowsLost);
        Record("files imported twice", audit.FilesDuplicated);
        Record("view windows computed (3 jobs)", audit.ExpectedWindows * site.Options.Jobs.Count - audit.WindowsMissing);
        Record("view windows missing / computed twice / wrong", $"{audit.WindowsMissing} / {audit.WindowsDuplicated} / {audit.WindowsWrong}");
        Record("analysis records / duplicated", $"{audit.AlarmRecords} / {audit.AlarmsDuplicated}");
        Record("view rows and analysis records differing from a clean run", clean.RowsDiffering + clean.RecordsDiffering);
        Record("wall time (s)", System.Math.Round(clock.Elapsed.TotalSeconds));

        Assert.True(audit.Problems.Count == 0, audit.ToString());
        Assert.Equal(0, audit.RowsLost);
        Assert.Equal(audit.ExpectedRows, audit.Rows);
        Assert.Equal(0, audit.FilesDuplicated);
        Assert.Equal(audit.ExpectedFiles, audit.ImportedFiles);
        Assert.Equal(0, audit.WindowsDuplicated + audit.WindowsMissing + audit.WindowsWrong);
        Assert.Equal(0, audit.Recomputations); // files arrive in order: no window is ever computed twice, not even as a recomputation
        Assert.Equal(0, audit.AlarmsDuplicated);
        Assert.True(clean.Differences.Count == 0, clean.ToString());
        Assert.Equal(clean.ReferenceAlarmedBins, clean.AlarmedBins);
        Assert.Equal(trials + 1, site.HostStarts);
        if (ReliabilityRun.Full)
        {
            Assert.All(phases, phase => Assert.True(kills.During(phase) > 0, $"no kill landed during {phase}: {kills.Describe()}"));
        }
    }

    private void Record(string measure, object value)
    {
        ReliabilityRun.Record(Scenario, measure, value);
        output.WriteLine($"{measure}: {value}");
    }
}
