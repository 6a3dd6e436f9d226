using Mplane.Analysis;
using Mplane.Analysis.Detectors;
using Xunit;

namespace Mplane.Analysis.Tests;

/// <summary>The detectors on small synthetic series, where the right answer is known.</summary>
public sealed class DetectorTests
{
    private static readonly TimeSpan Bin = TimeSpan.FromMinutes(5);
    private static readonly DateTimeOffset T0 = new(2015, 2, 27, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Web traffic: most flows to 443 and 80, a little DNS; <paramref name="jitter"/> varies it a bit per bin.</summary>
    private static Distribution Normal(int jitter) => new(new Dictionary<string, double>
    {
        ["443"] = 600 + (jitter * 7 % 23), ["80"] = 300 + (jitter * 5 % 17), ["53"] = 80 + (jitter % 9), ["22"] = 10 + (jitter % 3),
    });

    private static Distribution Scan(int jitter)
    {
        var weights = new Dictionary<string, double> { ["443"] = 600 + jitter, ["80"] = 300, ["53"] = 80, ["22"] = 10 };
        for (var port = 1000; port < 1400; port++)
        {
            weights[port.ToString(System.Globalization.CultureInfo.InvariantCulture)] = 2;
        }

        return new Distribution(weights);
    }

    [Fact]
    public void The_symmetric_distance_is_zero_for_equal_distributions_and_grows_with_the_change()
    {
        var a = Normal(1);
        var bins = Binning.Of([a, Scan(1)], 50);
        Assert.Equal(0, Divergence.Symmetric(a, a, bins), 12);
        Assert.True(Divergence.Symmetric(a, Normal(2), bins) < 0.01);
        Assert.True(Divergence.Symmetric(a, Scan(1), bins) > 0.1);
        Assert.Equal(Divergence.Symmetric(a, Scan(1), bins), Divergence.Symmetric(Scan(1), a, bins), 12);
    }

    [Fact]
    public void The_distribution_detector_raises_on_a_scan_names_its_ports_and_keeps_the_bin_out_of_later_references()
    {
        var bins = Enumerable.Range(0, 40).ToDictionary(i => T0 + (Bin * i), Normal);
        bins[T0 + (Bin * 30)] = Scan(30);
        bins[T0 + (Bin * 31)] = Scan(31);
        var history = new FeatureHistory(bins, new HashSet<DateTimeOffset>());
        var detector = new KlRefsetDetector(new KlRefsetSettings(Days: 0, Preceding: 12, ReferenceSize: 8, MinReferences: 6));

        var records = Enumerable.Range(12, 28).Select(i => detector.Evaluate("server_port", T0 + (Bin * i), Bin, history)).ToList();

        Assert.Equal([T0 + (Bin * 30), T0 + (Bin * 31)], records.Where(r => r.IsAlarm).Select(r => r.BinStart));
        var first = records.Single(r => r.BinStart == T0 + (Bin * 30));
        Assert.Equal(Binning.Other, first.TopContributors[0].Key); // 400 new ports, none among the usual top keys
        Assert.True(history.IsFlagged(T0 + (Bin * 30)));

        // The second scan bin is compared with clean bins only (the first was flagged), so it alarms too;
        // and the bin after the scan draws no reference from the flagged bins.
        var after = records.Single(r => r.BinStart == T0 + (Bin * 32));
        Assert.False(after.IsAlarm);
        Assert.Equal(T0 + (Bin * 30), after.ReferenceTo); // the references end before the scan: 20..29 minus none, 30 and 31 excluded
        Assert.Equal(8, after.ReferenceBins);
    }

    [Fact]
    public void Without_enough_references_the_distribution_detector_decides_nothing()
    {
        var bins = Enumerable.Range(0, 5).ToDictionary(i => T0 + (Bin * i), Normal);
        var record = new KlRefsetDetector(new KlRefsetSettings(Days: 0)).Evaluate("server_port", T0 + (Bin * 4), Bin, new FeatureHistory(bins, new HashSet<DateTimeOffset>()));
        Assert.Equal((DetectorStatus.InsufficientReference, false), (record.Status, record.IsAlarm));
        var missing = new KlRefsetDetector(new KlRefsetSettings(Days: 0)).Evaluate("server_port", T0 + (Bin * 9), Bin, new FeatureHistory(bins, new HashSet<DateTimeOffset>()));
        Assert.Equal(DetectorStatus.NoData, missing.Status);
    }

    [Fact]
    public void The_entropy_cusum_trains_then_alarms_on_a_concentration_and_learns_a_lasting_shift()
    {
        var detector = new EntropyCusumDetector(new EntropyCusumSettings(Training: 10, MaxExcluded: 3));
        EntropyCusumDetector.CusumState? state = null;
        var records = new List<AlarmRecord>();
        for (var i = 0; i < 40; i++)
        {
            // From bin 25 on, one port takes almost everything: entropy drops for good.
            var distribution = i < 25 ? Normal(i) : new Distribution(new Dictionary<string, double> { ["443"] = 5000, ["80"] = 30, ["53"] = 8 + (i % 3), ["22"] = 1 });
            var record = detector.Evaluate("server_port", T0 + (Bin * i), Bin, distribution, state);
            state = AnalysisJson.Read<EntropyCusumDetector.CusumState>(record.State!);
            records.Add(record);
        }

        Assert.All(records.Take(10), r => Assert.Equal(DetectorStatus.Training, r.Status));
        Assert.Equal(DetectorStatus.Ok, records[10].Status);
        Assert.DoesNotContain(records.Take(25), r => r.IsAlarm);
        Assert.True(records[25].IsAlarm);
        Assert.Equal("443", records[25].TopContributors[0].Key);
        Assert.False(records[^1].IsAlarm); // after MaxExcluded bins the new level is learnt
    }

    [Fact]
    public void The_count_detector_flags_a_flood_and_an_outage_but_not_the_usual_wobble()
    {
        var values = Enumerable.Range(0, 30).ToDictionary(i => T0 + (Bin * i), i => 1000.0 + (i * 37 % 50));
        values[T0 + (Bin * 20)] = 5000;
        values[T0 + (Bin * 25)] = 100;
        var history = new CountHistory(values, new HashSet<DateTimeOffset>());
        var detector = new MedianMadDetector(new MedianMadSettings(Days: 0, Preceding: 12));
        var alarms = Enumerable.Range(12, 18).Select(i => detector.Evaluate("flows", T0 + (Bin * i), Bin, history)).Where(r => r.IsAlarm).Select(r => r.BinStart);
        Assert.Equal([T0 + (Bin * 20), T0 + (Bin * 25)], alarms);
    }

    [Fact]
    public void Reference_candidates_are_the_preceding_bins_then_the_same_time_of_day_on_earlier_days()
    {
        var candidates = new References(Days: 2, Preceding: 2).Candidates(T0.AddDays(3), Bin).ToList();
        Assert.Equal(
            [T0.AddDays(3) - Bin, T0.AddDays(3) - (Bin * 2), T0.AddDays(2), T0.AddDays(2) - Bin, T0.AddDays(2) + Bin, T0.AddDays(1), T0.AddDays(1) - Bin, T0.AddDays(1) + Bin],
            candidates);
        Assert.Equal(T0.AddDays(1) - Bin, new References(2, 2).Earliest(T0.AddDays(3), Bin));
    }
}
