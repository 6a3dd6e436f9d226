using Mplane.Generators.Tstat;

namespace Mplane.Tools.AnalysisEvaluation.Scoring;

/// <summary>How one rule did against the labels.</summary>
/// <param name="Rule">The rule.</param>
/// <param name="Outcomes">Each label's outcome.</param>
/// <param name="AlarmedBins">Bins where the rule fired.</param>
/// <param name="Events">Alarm events: runs of consecutive alarmed bins.</param>
/// <param name="FalseAlarms">The events none of whose bins lies in a label's window widened by one bin.</param>
/// <param name="Days">Simulated days the false alarms are counted over.</param>
public sealed record RuleScore(AlarmRule Rule, IReadOnlyList<LabelOutcome> Outcomes, int AlarmedBins, int Events, IReadOnlyList<FalseAlarm> FalseAlarms, double Days)
{
    /// <summary>The goal of issue #7 for the combined detector: recall at least this...</summary>
    public const double GoalRecall = 0.9;

    /// <summary>...with at most this many false alarm events per simulated day.</summary>
    public const double GoalFalseAlarmsPerDay = 1;

    /// <summary>Labels detected.</summary>
    public int Detected => Outcomes.Count(o => o.Detected);

    /// <summary>Labels detected over labels.</summary>
    public double Recall => Outcomes.Count == 0 ? double.NaN : (double)Detected / Outcomes.Count;

    /// <summary>Events that are not false over all events (NaN without events).</summary>
    public double Precision => Events == 0 ? double.NaN : (double)(Events - FalseAlarms.Count) / Events;

    /// <summary>False alarm events per simulated day.</summary>
    public double FalseAlarmsPerDay => FalseAlarms.Count / Days;

    /// <summary>Whether the goal is met.</summary>
    public bool MeetsGoal => Recall >= GoalRecall && FalseAlarmsPerDay <= GoalFalseAlarmsPerDay;

    /// <summary>The mean time to detect over the detected labels.</summary>
    public TimeSpan? MeanTimeToDetect => Times(Outcomes) is { Count: > 0 } t ? TimeSpan.FromTicks((long)t.Average(x => x.Ticks)) : null;

    /// <summary>The median time to detect over the detected labels.</summary>
    public TimeSpan? MedianTimeToDetect => Median(Times(Outcomes));

    /// <summary>The outcomes of one kind.</summary>
    public IReadOnlyList<LabelOutcome> Of(AnomalyKind kind) => [.. Outcomes.Where(o => o.Label.Kind == kind)];

    /// <summary>The median time to detect of the labels of one kind.</summary>
    public TimeSpan? MedianTimeToDetectOf(AnomalyKind kind) => Median(Times(Of(kind)));

    /// <summary>The scores of one rule over several runs as one: labels, events and days added up.</summary>
    public static RuleScore Pool(IReadOnlyList<RuleScore> runs) =>
        new(runs[0].Rule, [.. runs.SelectMany(r => r.Outcomes)], runs.Sum(r => r.AlarmedBins), runs.Sum(r => r.Events),
            [.. runs.SelectMany(r => r.FalseAlarms)], runs.Sum(r => r.Days));

    private static List<TimeSpan> Times(IEnumerable<LabelOutcome> outcomes) => [.. outcomes.Where(o => o.Detected).Select(o => o.TimeToDetect!.Value).Order()];

    private static TimeSpan? Median(List<TimeSpan> sorted) =>
        sorted.Count == 0 ? null
        : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
        : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}
