using Mplane.Generators.Tstat;

namespace Mplane.Tools.AnalysisEvaluation.Scoring;

/// <summary>Whether a labelled anomaly was detected, and how fast.</summary>
/// <param name="Label">The label.</param>
/// <param name="TimeToDetect">From the label's start to the end of the first alarmed bin in its window; null when missed.</param>
public sealed record LabelOutcome(AnomalyLabel Label, TimeSpan? TimeToDetect)
{
    /// <summary>Whether it was detected.</summary>
    public bool Detected => TimeToDetect is not null;
}

/// <summary>An alarm event outside every label's window.</summary>
/// <param name="Start">Its first bin.</param>
/// <param name="Bins">Its consecutive alarmed bins.</param>
/// <param name="Alarms">The alarms behind it (of the rule's detectors).</param>
public sealed record FalseAlarm(DateTimeOffset Start, int Bins, IReadOnlyList<FeatureAlarm> Alarms);
