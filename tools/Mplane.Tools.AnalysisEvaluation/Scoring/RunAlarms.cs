using Mplane.Analysis;

namespace Mplane.Tools.AnalysisEvaluation.Scoring;

/// <summary>An alarm of one detector on one feature (the bin is where it is filed).</summary>
/// <param name="Feature">The feature or count.</param>
/// <param name="Detector">The detector.</param>
public readonly record struct FeatureAlarm(string Feature, string Detector);

/// <summary>Every record of a run's analysis: the alarms per bin, for the rules, and the records themselves, for the plot.</summary>
public sealed class RunAlarms
{
    private readonly Dictionary<DateTimeOffset, List<FeatureAlarm>> _byBin;

    private RunAlarms(IReadOnlyList<AlarmRecord> records)
    {
        Records = records;
        _byBin = records.Where(r => r.IsAlarm)
            .GroupBy(r => r.BinStart)
            .ToDictionary(g => g.Key, g => g.Select(r => new FeatureAlarm(r.Feature, r.Detector)).ToList());
    }

    /// <summary>Every record, alarm or not, oldest first.</summary>
    public IReadOnlyList<AlarmRecord> Records { get; }

    /// <summary>Reads the records of [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static async Task<RunAlarms> ReadAsync(AlarmStore store, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(from, to, all: true, cancellationToken).ConfigureAwait(false);
        return new RunAlarms([.. stored.Select(s => s.Record)]);
    }

    /// <summary>The alarms in the bin at <paramref name="bin"/>.</summary>
    public IReadOnlyList<FeatureAlarm> At(DateTimeOffset bin) => _byBin.TryGetValue(bin, out var alarms) ? alarms : [];

    /// <summary>The share of <paramref name="detector"/>'s decisions (status ok) whose threshold was its floor <paramref name="floor"/>.</summary>
    public double ShareAtThresholdFloor(string detector, double floor)
    {
        var decided = Records.Where(r => r.Detector == detector && r.Status == DetectorStatus.Ok).ToList();
        return decided.Count == 0 ? double.NaN : (double)decided.Count(r => r.Threshold <= floor) / decided.Count;
    }

    /// <summary>The bins where <paramref name="rule"/> fires, in time order.</summary>
    public IReadOnlyList<DateTimeOffset> Bins(AlarmRule rule) =>
        [.. _byBin.Where(b => rule.Fires(b.Value)).Select(b => b.Key).Order()];
}
