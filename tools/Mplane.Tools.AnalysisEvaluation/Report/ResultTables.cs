using Mplane.Generators.Tstat;
using Mplane.Tools.AnalysisEvaluation.Scoring;

namespace Mplane.Tools.AnalysisEvaluation.Report;

/// <summary>The report's tables of figures.</summary>
public static class ResultTables
{
    /// <summary>Each rule's figures: labels found, precision, events, false alarms, time to detect.</summary>
    public static MarkdownTable Rules(IEnumerable<RuleScore> scores)
    {
        var table = new MarkdownTable(
            "rule", "detected", "recall", "precision (events)", "alarm events", "false alarm events", "false alarms / day", "time to detect, mean", "median");
        foreach (var s in scores)
        {
            table.Row(
                Name(s.Rule), $"{s.Detected}/{s.Outcomes.Count}", Format.Ratio(s.Recall), Format.Ratio(s.Precision), s.Events.ToString(Format.Culture),
                s.FalseAlarms.Count.ToString(Format.Culture), Format.Rate(s.FalseAlarmsPerDay), Format.Minutes(s.MeanTimeToDetect), Format.Minutes(s.MedianTimeToDetect));
        }

        return table;
    }

    /// <summary>Per kind: labels found and the median time to detect.</summary>
    public static MarkdownTable Kinds(IEnumerable<RuleScore> scores)
    {
        var table = new MarkdownTable(["rule", .. AnomalyKinds.All.Select(k => $"{k.Name()}: detected, median time to detect")]);
        foreach (var s in scores)
        {
            table.Row([Name(s.Rule), .. AnomalyKinds.All.Select(k => $"{s.Of(k).Count(o => o.Detected)}/{s.Of(k).Count}, {Format.Minutes(s.MedianTimeToDetectOf(k))}")]);
        }

        return table;
    }

    /// <summary>Per run (seed): recall and false alarms per day of each detector and the combined rule.</summary>
    public static MarkdownTable Runs(IEnumerable<SeedRun> runs)
    {
        var rules = AlarmRule.Main;
        var table = new MarkdownTable(["seed", "labels", "simulated days", .. rules.Select(r => $"{r}: recall, false alarms / day"), "goal"]);
        foreach (var run in runs)
        {
            var combined = run.Defaults.Combined;
            table.Row([
                run.Traffic.Seed.ToString(Format.Culture), run.Traffic.Labels.Count.ToString(Format.Culture), Format.Number(run.Traffic.Days),
                .. rules.Select(r => RecallAndFalseAlarms(run.Defaults[r])), combined.MeetsGoal ? "met" : "not met"]);
        }

        return table;
    }

    /// <summary>Per rule: its false alarm events by the features behind them.</summary>
    public static MarkdownTable FalseAlarmFeatures(IEnumerable<RuleScore> scores)
    {
        var table = new MarkdownTable("rule", "false alarm events", "features behind them (events)");
        foreach (var s in scores)
        {
            var features = s.FalseAlarms
                .SelectMany(f => f.Alarms.Select(a => $"{a.Feature} ({a.Detector})").Distinct())
                .GroupBy(f => f, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key} {g.Count()}");
            table.Row(Name(s.Rule), s.FalseAlarms.Count.ToString(Format.Culture), string.Join(", ", features.DefaultIfEmpty("–")));
        }

        return table;
    }

    /// <summary>The false alarm events of one rule, one row each.</summary>
    public static MarkdownTable FalseAlarmEvents(IEnumerable<(ulong Seed, FalseAlarm Alarm)> alarms)
    {
        var table = new MarkdownTable("seed", "first bin", "bins", "alarms");
        foreach (var (seed, alarm) in alarms)
        {
            table.Row(
                seed.ToString(Format.Culture), Format.Time(alarm.Start), alarm.Bins.ToString(Format.Culture),
                string.Join(", ", alarm.Alarms.Select(a => $"{a.Feature} ({a.Detector})")));
        }

        return table;
    }

    /// <summary>Each candidate's recall and false alarms per day, per detector and combined (pooled), and whether the goal is met.</summary>
    public static MarkdownTable Sensitivity(IEnumerable<CandidateResult> candidates)
    {
        var rules = AlarmRule.Main;
        var table = new MarkdownTable(["settings", .. rules.Select(r => $"{r}: recall, false alarms / day"), "combined: median time to detect", "goal"]);
        foreach (var c in candidates)
        {
            table.Row([$"`{c.Candidate.Name}`", .. rules.Select(r => RecallAndFalseAlarms(c.Pooled[r])), Format.Minutes(c.Combined.MedianTimeToDetect), c.Goal]);
        }

        return table;
    }

    private static string RecallAndFalseAlarms(RuleScore score) => $"{Format.Ratio(score.Recall)}, {Format.Rate(score.FalseAlarmsPerDay)}";

    private static string Name(AlarmRule rule) => rule.Name == AlarmRule.CombinedName ? $"**{rule.Name}**" : rule.Name;
}
