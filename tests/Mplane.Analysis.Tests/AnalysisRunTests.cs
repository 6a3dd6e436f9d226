using System.Net;
using Mplane.Analysis;
using Mplane.Analysis.Detectors;
using Mplane.Generators.Tstat;
using Mplane.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Mplane.Analysis.Tests;

/// <summary>The detectors over generated traffic in a real warehouse: each labelled anomaly found where it is, nothing on clean traffic, backfill equal to live.</summary>
public sealed class AnalysisRunTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Each_anomaly_kind_is_alarmed_in_its_bins_with_the_feature_and_top_contributor_that_name_it()
    {
        await using var traffic = await TrafficFixture.CreateAsync("anomalies", anomalies: true);
        await traffic.ImportAndComputeAsync(traffic.Files, complete: true);
        Assert.Equal(144, await traffic.Runner().RunAsync(TestTimeout.Token));
        var alarms = await AlarmsAsync(traffic);

        foreach (var label in traffic.Labels)
        {
            var (feature, key) = label.Kind switch
            {
                AnomalyKind.PortScan => ("client_net", $"{Subnet(label.Key)}/24"), // one scanner: its /24 takes the flows
                AnomalyKind.Ddos => ("server_ip", label.Key),                   // the victim
                AnomalyKind.Outage => ("client_net", label.Key),                // the silent /24
                AnomalyKind.FlashCrowd => ("domain", label.Key),                // the crowded domain
                _ => throw new InvalidOperationException(label.Kind.ToString()),
            };
            var inWindow = alarms.Where(a => a.Detector == KlRefsetDetector.Name && a.Feature == feature && a.BinStart >= label.Start && a.BinStart < label.End).ToList();
            Assert.True(inWindow.Count == 3, $"{label.Kind.Name()}: {inWindow.Count} of 3 bins alarmed on {feature}");
            Assert.All(inWindow, a => Assert.Equal(key, a.TopContributors[0].Key));
        }
    }

    [Fact]
    public async Task Clean_traffic_raises_no_alarm()
    {
        await using var traffic = await TrafficFixture.CreateAsync("clean", anomalies: false);
        await traffic.ImportAndComputeAsync(traffic.Files, complete: true);
        await traffic.Runner().RunAsync(TestTimeout.Token);
        var records = await new AlarmStore(traffic.Database.DataSource).ReadAsync(TrafficFixture.Start, TrafficFixture.Start.AddDays(1), all: true, TestTimeout.Token);

        Assert.Equal(144 * ((6 * 2) + 3), records.Count); // every (bin, feature, detector) evaluated
        Assert.Empty(records.Where(r => r.Record.IsAlarm).Select(r => $"{r.Record.BinStart:HH:mm} {r.Record.Feature} {r.Record.Detector} {r.Record.Score:0.###} > {r.Record.Threshold:0.###}"));
        Assert.Contains(records, r => r.Record.Status == DetectorStatus.Ok && r.Record.Detector == KlRefsetDetector.Name);
    }

    [Fact]
    public async Task Running_live_as_the_data_arrives_computes_the_same_records_as_a_backfill()
    {
        await using var traffic = await TrafficFixture.CreateAsync("backfill", anomalies: true, duration: TimeSpan.FromHours(8));
        var store = new AlarmStore(traffic.Database.DataSource);
        var runner = traffic.Runner();
        foreach (var chunk in traffic.Files.Chunk(traffic.Files.Count / 4 + 1))
        {
            await traffic.ImportAndComputeAsync(chunk, complete: chunk[^1] == traffic.Files[^1]);
            await runner.RunAsync(TestTimeout.Token);
        }

        var live = await Snapshot(store);
        Assert.Equal(96, await runner.BackfillAsync(TrafficFixture.Start, TestTimeout.Token));
        var backfill = await Snapshot(store);

        Assert.Equal(96 * 15, live.Count);
        Assert.Contains(live, r => r.Contains("True", StringComparison.Ordinal)); // the anomalies of the first 8 hours were alarmed
        Assert.Equal(live, backfill);
    }

    [Fact]
    public async Task A_late_file_makes_its_bin_and_every_later_bin_evaluated_again()
    {
        await using var traffic = await TrafficFixture.CreateAsync("late", anomalies: false, duration: TimeSpan.FromHours(4));
        await traffic.ImportAndComputeAsync(traffic.Files, complete: true);
        var runner = traffic.Runner();
        Assert.Equal(48, await runner.RunAsync(TestTimeout.Token));
        Assert.Equal(0, await runner.RunAsync(TestTimeout.Token)); // nothing new

        // A second probe's file for 02:00 arrives late: the jobs recompute that window, and the analysis follows.
        using var late = new TemporaryDirectory("late");
        var original = traffic.Files.Single(f => f.Contains("2015_02_27_02_00", StringComparison.Ordinal));
        var copy = late.Combine("2015", "02-Feb", "2015_02_27_02_00.out", "log_tcp_complete");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        var lines = await File.ReadAllLinesAsync(original, TestTimeout.Token);
        await File.WriteAllLinesAsync(copy, lines.Take(lines.Length / 3), TestTimeout.Token);
        var before = await traffic.Database.ScalarAsync<DateTime>("SELECT clock_timestamp()");
        await traffic.ImportAndComputeAsync([copy], complete: true);

        Assert.Equal(24, await runner.RunAsync(TestTimeout.Token)); // 02:00 to 04:00
        var records = await new AlarmStore(traffic.Database.DataSource).ReadAsync(TrafficFixture.Start, TrafficFixture.Start.AddDays(1), all: true, TestTimeout.Token);
        var recomputed = records.Where(r => r.ComputedAt.UtcDateTime > before).Select(r => r.Record.BinStart).Distinct().Order().ToList();
        Assert.Equal(TrafficFixture.Start.AddHours(2), recomputed[0]);
        Assert.Equal(24, recomputed.Count);

        // Evaluated again on the new data, not merely stamped: the bin's count now includes the late rows.
        var flows = records.Single(r => r.Record.BinStart == TrafficFixture.Start.AddHours(2) && r.Record.Feature == "flows").Record.Entities;
        Assert.Equal(await traffic.Database.ScalarAsync<long>("SELECT flows FROM flows_5min WHERE serial_time = $1", TrafficFixture.Start.AddHours(2)), flows);
        Assert.Equal((lines.Length - 1) + (lines.Length / 3) - 1, flows); // the original file's flows and the late file's (each has a header line)
    }

    private static async Task<List<string>> Snapshot(AlarmStore store) =>
        (await store.ReadAsync(TrafficFixture.Start, TrafficFixture.Start.AddDays(1), all: true, TestTimeout.Token))
        .Select(a => $"{a.Record.BinStart:o} {a.Record.Feature} {a.Record.Detector} {a.Record.Score:R} {a.Record.Threshold:R} {a.Record.IsAlarm} {a.Record.Status} {a.Record.ReferenceBins} {a.Record.State}")
        .ToList();

    private async Task<List<AlarmRecord>> AlarmsAsync(TrafficFixture traffic)
    {
        var alarms = (await new AlarmStore(traffic.Database.DataSource).ReadAsync(TrafficFixture.Start, TrafficFixture.Start.AddDays(1), all: false, TestTimeout.Token))
            .Select(a => a.Record).ToList();
        foreach (var a in alarms)
        {
            output.WriteLine($"{a.BinStart:HH:mm} {a.Feature,-12} {a.Detector,-14} {a.Score,8:0.000} > {a.Threshold,6:0.000} top {string.Join(", ", a.TopContributors.Take(2).Select(c => c.Key))}");
        }

        return alarms;
    }

    private static string Subnet(string address)
    {
        var bytes = IPAddress.Parse(address).GetAddressBytes();
        bytes[3] = 0;
        return new IPAddress(bytes).ToString();
    }
}
