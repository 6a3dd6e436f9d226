using Mplane.Generators.Tstat;

namespace Mplane.Tools.AnalysisEvaluation.Scoring;

/// <summary>
/// Scores a rule's alarmed bins against the labels. A label is detected when an alarmed bin overlaps
/// [start, end + one bin) (the bin after the end holds flows that ended late); the time to detect runs
/// from the label's start to the end of the first such bin. Consecutive alarmed bins form one event;
/// an event is false when none of its bins is <see cref="LabelWindow.Near"/> a label. Alarms in the
/// widening are neither detections nor false alarms.
/// </summary>
public sealed class Scorer(IReadOnlyList<AnomalyLabel> labels, TimeSpan bin, double days)
{
    /// <summary>Scores the bins of <paramref name="alarms"/> where <paramref name="rule"/> fires.</summary>
    public RuleScore Score(AlarmRule rule, RunAlarms alarms)
    {
        var bins = alarms.Bins(rule);
        var outcomes = labels
            .Select(l => new LabelOutcome(
                l, bins.Where(b => LabelWindow.Detects(l, b, bin)).Select(b => (TimeSpan?)(b + bin - l.Start)).FirstOrDefault()))
            .ToList();
        var events = Events(bins);
        var falseAlarms = events
            .Where(e => !e.Any(b => labels.Any(l => LabelWindow.Near(l, b, bin))))
            .Select(e => new FalseAlarm(e[0], e.Count, [.. e.SelectMany(alarms.At).Where(rule.Involves).Distinct()]))
            .ToList();
        return new RuleScore(rule, outcomes, bins.Count, events.Count, falseAlarms, days);
    }

    /// <summary>Runs of consecutive bins.</summary>
    private List<List<DateTimeOffset>> Events(IReadOnlyList<DateTimeOffset> bins)
    {
        var events = new List<List<DateTimeOffset>>();
        foreach (var b in bins)
        {
            if (events.Count > 0 && events[^1][^1] + bin == b)
            {
                events[^1].Add(b);
            }
            else
            {
                events.Add([b]);
            }
        }

        return events;
    }
}
