using System.Diagnostics;
using Mplane.Math.Transfer;
using Mplane.Reliability.Tests.Transfer;
using Mplane.Testing;
using Xunit.Abstractions;

namespace Mplane.Reliability.Tests;

/// <summary>
/// The load run: many probes at once (processes, each with its own certificate, stream and generated
/// logs) pushing to one math_repo that imports into the warehouse. Everything must be imported (each
/// table's rows equal its generator's flows), the import must keep up with the probes' real-time
/// rate, and memory must stay bounded; the figures go to docs/reliability.md. The scale is
/// <see cref="LoadScale"/>'s.
/// </summary>
public sealed class LoadTests(ITestOutputHelper output)
{
    /// <summary>
    /// math_repo's resident memory may not pass this. It holds no file in memory (bodies stream to the
    /// page cache, imports stream by COPY), so it does not grow with the data: measured 140-200 MB in
    /// the runs reported in docs/reliability.md; the bound leaves more than twice that for a busier machine.
    /// </summary>
    private const long RepoMemoryBound = 512L << 20;

    /// <summary>A probe's bound: it reads each file once as a stream (measured 60-90 MB).</summary>
    private const long ProbeMemoryBound = 256L << 20;

    [Fact]
    public async Task Twenty_probes_at_once_ship_their_logs_and_everything_is_imported_with_lag_and_memory_bounded()
    {
        var scale = LoadScale.FromEnvironment();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(scale.Flows / 10_000));
        var cancellationToken = deadline.Token;
        await using var site = new TransferSite("load");
        EnsureDiskSpace(scale, site.Directory.Path);
        await using var database = await TestDatabase.CreateAsync("load", cancellationToken);

        // The logs, every probe's with its own seed, generated in parallel and timed apart.
        var clock = Stopwatch.StartNew();
        var probes = await Task.WhenAll(Enumerable.Range(1, scale.Probes).Select(async i =>
        {
            var name = $"Probe-{i:00}";
            var (directory, summary) = await site.GenerateAsync(name, TimeSpan.FromMinutes(scale.Minutes), scale.Rate, seed: (ulong)(1000 + i), cancellationToken);
            return new LoadProbe(name, $"log_tcp_complete_p{i:00}", directory, summary.Flows, summary.Files.Count, summary.Bytes);
        }));
        var generation = clock.Elapsed;
        var (flows, files, bytes) = (probes.Sum(p => p.Flows), probes.Sum(p => p.Files), probes.Sum(p => p.Bytes));
        output.WriteLine($"generated {flows:N0} flows in {files} files, {bytes / 1e9:0.00} GB, in {generation.TotalSeconds:0.0} s");

        // One math_repo importing into the test database; every probe at once, shipping everything (--once --final).
        var (repo, address) = await site.StartRepoAsync(
            site.RepoTlsYaml(probes.Select(p => p.Name), handler: "warehouse"),
            new Dictionary<string, string> { ["MPLANE_PG"] = database.ConnectionString },
            cancellationToken);
        clock.Restart();
        var started = DateTimeOffset.UtcNow;
        var running = probes.Select(p => site.StartProbe(site.WriteProbeYaml(p.Name, p.Directory, p.Stream, address, site.ProbeIdentity(p.Name)), "--once", "--final")).ToList();
        foreach (var probe in running)
        {
            Assert.Equal(0, await probe.WaitForExitAsync(TimeSpan.FromHours(12), cancellationToken));
        }

        var uploading = clock.Elapsed;
        var ledgerFile = Path.Combine(site.Spool, "ledger.jsonl");
        var handled = await WaitForHandlingAsync(ledgerFile, files, cancellationToken);
        Assert.Equal(0, await repo.StopAsync(TimeSpan.FromSeconds(60), cancellationToken));

        // Everything imported, once: each stream's table holds its generator's flows.
        Assert.All(handled, e => Assert.True(e.State == "handled", $"{e.Stream}/{e.Path}: {e.State} {e.Detail}"));
        foreach (var probe in probes)
        {
            Assert.Equal(probe.Flows, await database.ScalarAsync<long>($"SELECT count(*) FROM \"{probe.Stream}\""));
        }

        var rows = handled.Sum(e => e.Rows ?? 0);
        Assert.Equal(flows, rows);
        Assert.Equal(files, (int)await database.ScalarAsync<long>("SELECT count(*) FROM mplane.imports"));

        // Lag: from a file's storing (its acknowledgement) to its import's commit (the ledger's handled record).
        var lags = handled.Select(e => (e.At - e.StoredAt!.Value).TotalSeconds).Order().ToList();
        var wall = (handled.Max(e => e.At) - started).TotalSeconds;
        var rowsPerSecond = rows / wall;
        var realTime = scale.Probes * scale.Rate; // the flows per second the probes produce when they run in real time
        var databaseBytes = await database.ScalarAsync<long>("SELECT pg_database_size(current_database())");
        var probePeak = running.Max(p => p.PeakRssBytes);
        var figures = new (string Measure, object Value)[]
        {
            ("scale", scale.ToString()),
            ("probes", scale.Probes),
            ("flows", flows),
            ("files", files),
            ("log GB", System.Math.Round(bytes / 1e9, 2)),
            ("generation s", System.Math.Round(generation.TotalSeconds, 1)),
            ("upload s (all probes done)", System.Math.Round(uploading.TotalSeconds, 1)),
            ("wall s (probes start to last import)", System.Math.Round(wall, 1)),
            ("rows/s imported", System.Math.Round(rowsPerSecond)),
            ("times real time (rows/s over the probes' flows/s)", System.Math.Round(rowsPerSecond / realTime, 1)),
            ("lag s, median", System.Math.Round(lags[lags.Count / 2], 1)),
            ("lag s, max", System.Math.Round(lags[^1], 1)),
            ("math_repo peak RSS MB", repo.PeakRssBytes >> 20),
            ("probe peak RSS MB (largest)", probePeak >> 20),
            ("database MB", databaseBytes >> 20),
        };
        foreach (var (measure, value) in figures)
        {
            ReliabilityRun.Record("load", measure, value);
            output.WriteLine($"{measure}: {value}");
        }

        // Bounded: the import keeps up with the probes in real time, so lag does not grow without end; memory does not grow with the data.
        Assert.True(rowsPerSecond >= realTime, $"{rowsPerSecond:0} rows/s imported, below the {realTime:0} flows/s the probes produce");
        Assert.True(lags[^1] <= wall, $"a lag of {lags[^1]:0} s beyond the run's {wall:0} s");
        Assert.True(repo.PeakRssBytes < RepoMemoryBound, $"math_repo grew to {repo.PeakRssBytes >> 20} MB (bound {RepoMemoryBound >> 20} MB)");
        Assert.True(probePeak < ProbeMemoryBound, $"a probe grew to {probePeak >> 20} MB (bound {ProbeMemoryBound >> 20} MB)");
    }

    /// <summary>Fails at once, saying what is needed, when the disk cannot hold the run.</summary>
    private static void EnsureDiskSpace(LoadScale scale, string folder)
    {
        var drive = new DriveInfo(folder);
        Assert.True(
            drive.AvailableFreeSpace >= scale.DiskBytes,
            $"the load run ({scale}) needs about {scale.DiskBytes / 1e9:0} GB free under {folder}: {scale.LogBytes / 1e9:0.0} GB of logs, " +
            $"their copy in math_repo's spool, the database's tables (if the test database is on this disk), and 2 GB to spare; " +
            $"{drive.AvailableFreeSpace / 1e9:0.0} GB are free. Free some space or scale the run down with MPLANE_LOAD_PROBES, MPLANE_LOAD_MINUTES, MPLANE_LOAD_RATE.");
    }

    /// <summary>
    /// Waits until math_repo's ledger has handled (or failed) all <paramref name="files"/>, reading it
    /// every second; fails when nothing moved for five minutes. Returns each file's last record.
    /// </summary>
    private static async Task<IReadOnlyList<LedgerEntry>> WaitForHandlingAsync(string ledger, int files, CancellationToken cancellationToken)
    {
        var done = 0;
        var moved = Stopwatch.StartNew();
        while (true)
        {
            var last = TransferSite.ReadLedger(ledger).GroupBy(e => (e.Stream, e.Path)).Select(g => g.Last()).ToList();
            var finished = last.Count(e => e.State is "handled" or "failed" or "quarantined");
            if (finished == files)
            {
                return last;
            }

            if (finished != done)
            {
                (done, moved) = (finished, Stopwatch.StartNew());
            }

            Assert.True(moved.Elapsed < TimeSpan.FromMinutes(5), $"math_repo handled no file for 5 minutes ({finished} of {files} handled)");
            await Task.Delay(1000, cancellationToken);
        }
    }

    /// <summary>One probe of the run: its identity, stream, log folder and what its generator wrote.</summary>
    private sealed record LoadProbe(string Name, string Stream, string Directory, long Flows, int Files, long Bytes);
}
