namespace Mplane.Tools.AnalysisEvaluation.Scoring;

/// <summary>The detectors run with one candidate's settings, and how each rule did.</summary>
/// <param name="Candidate">The settings.</param>
/// <param name="Scores">Each rule's score, in the order of <see cref="AlarmRule.Reported"/>.</param>
/// <param name="Took">How long the detectors ran.</param>
public sealed record SettingsOutcome(SettingsCandidate Candidate, IReadOnlyList<RuleScore> Scores, TimeSpan Took)
{
    /// <summary>The score of the rule named <paramref name="rule"/>.</summary>
    public RuleScore this[string rule] => Scores.Single(s => s.Rule.Name == rule);

    /// <summary>The scores of the <see cref="AlarmRule.Main"/> rules.</summary>
    public IReadOnlyList<RuleScore> Main => [.. AlarmRule.Main.Select(r => this[r])];

    /// <summary>The combined rule's score.</summary>
    public RuleScore Combined => this[AlarmRule.CombinedName];

    /// <summary>The outcomes of one candidate over several runs as one.</summary>
    public static SettingsOutcome Pool(IReadOnlyList<SettingsOutcome> runs) =>
        new(runs[0].Candidate,
            [.. runs[0].Scores.Select((_, i) => RuleScore.Pool([.. runs.Select(r => r.Scores[i])]))],
            TimeSpan.FromTicks(runs.Sum(r => r.Took.Ticks)));
}
