using Mplane.Analysis;
using Mplane.Generators.Tstat;
using Mplane.Tools.AnalysisEvaluation.Scoring;

namespace Mplane.Tools.AnalysisEvaluation.Report;

/// <summary>One detector's evaluation of one bin of one feature, as plotted.</summary>
/// <param name="Bin">The bin's start.</param>
/// <param name="Score">The score.</param>
/// <param name="Threshold">The threshold.</param>
/// <param name="IsAlarm">Whether it is an alarm.</param>
public sealed record ScorePoint(DateTimeOffset Bin, double Score, double Threshold, bool IsAlarm);

/// <summary>One feature's scores of one detector over a run, with the run's labels: what the plot shows.</summary>
/// <param name="Feature">The feature.</param>
/// <param name="Detector">The detector.</param>
/// <param name="Traffic">The run.</param>
/// <param name="Points">The bins the detector decided on (status ok), in time order.</param>
/// <param name="Bin">The bin's length.</param>
public sealed record ScoreSeries(string Feature, string Detector, Traffic Traffic, IReadOnlyList<ScorePoint> Points, TimeSpan Bin)
{
    /// <summary>The feature's points in <paramref name="alarms"/>.</summary>
    public static ScoreSeries Of(string feature, string detector, Traffic traffic, RunAlarms alarms, TimeSpan bin) =>
        new(feature, detector, traffic,
            [.. alarms.Records
                .Where(r => r.Feature == feature && r.Detector == detector && r.Status == DetectorStatus.Ok)
                .OrderBy(r => r.BinStart)
                .Select(r => new ScorePoint(r.BinStart, r.Score, r.Threshold, r.IsAlarm))],
            bin);

    /// <summary>The run's labels.</summary>
    public IReadOnlyList<AnomalyLabel> Labels => Traffic.Labels;

    /// <summary>How many labels of <paramref name="kind"/> this series alone alarms on, of how many.</summary>
    public (int Alarmed, int Labels) Coverage(AnomalyKind kind)
    {
        var labels = Labels.Where(l => l.Kind == kind).ToList();
        return (labels.Count(l => Points.Any(p => p.IsAlarm && LabelWindow.Detects(l, p.Bin, Bin))), labels.Count);
    }
}
