using Mplane.Generators.Tstat;
using Mplane.Tools.AnalysisEvaluation.Report;
using Mplane.Tools.AnalysisEvaluation.Scoring;

namespace Mplane.Tools.AnalysisEvaluation;

/// <summary>One seed's run: its traffic and each candidate's outcome.</summary>
/// <param name="Traffic">The traffic.</param>
/// <param name="Outcomes">Each candidate's outcome, in the order of <see cref="SettingsCandidate.All"/>.</param>
/// <param name="KlThresholdAtFloor">At default settings, the share of kl_refset's decisions whose threshold was its floor (MinThreshold).</param>
/// <param name="Strength">Each label's kind and <see cref="AnomalyStrength"/>.</param>
public sealed record SeedRun(Traffic Traffic, IReadOnlyList<SettingsOutcome> Outcomes, double KlThresholdAtFloor, IReadOnlyList<(AnomalyKind Kind, double Change)> Strength)
{
    /// <summary>The outcome at the default settings.</summary>
    public SettingsOutcome Defaults => Outcomes[0];
}

/// <summary>One candidate's outcome over all runs as one, and in each run.</summary>
/// <param name="Pooled">Over all runs.</param>
/// <param name="Runs">Per run, with its seed.</param>
public sealed record CandidateResult(SettingsOutcome Pooled, IReadOnlyList<(ulong Seed, SettingsOutcome Outcome)> Runs)
{
    /// <summary>The settings.</summary>
    public SettingsCandidate Candidate => Pooled.Candidate;

    /// <summary>The pooled combined score.</summary>
    public RuleScore Combined => Pooled.Combined;

    /// <summary>The seeds whose run alone misses the goal.</summary>
    public IReadOnlyList<ulong> SeedsMissingGoal => [.. Runs.Where(r => !r.Outcome.Combined.MeetsGoal).Select(r => r.Seed)];

    /// <summary>Whether the goal is met pooled and in every run alone.</summary>
    public bool MeetsGoalInEveryRun => Combined.MeetsGoal && SeedsMissingGoal.Count == 0;

    /// <summary>The goal's state in words.</summary>
    public string Goal =>
        !Combined.MeetsGoal ? "not met"
        : SeedsMissingGoal.Count == 0 ? "met, in every run"
        : $"met pooled, not in seed {string.Join(", ", SeedsMissingGoal)}";
}

/// <summary>What the evaluation found.</summary>
/// <param name="Options">What was asked.</param>
/// <param name="Runs">One run per seed.</param>
/// <param name="Plot">The plotted series (the first seed, default settings).</param>
/// <param name="ServerVersion">PostgreSQL's version.</param>
/// <param name="Stages">How long each stage took.</param>
/// <param name="Total">The whole evaluation's time.</param>
public sealed record EvaluationResult(
    EvaluationOptions Options, IReadOnlyList<SeedRun> Runs, ScoreSeries Plot, string ServerVersion, IReadOnlyList<(string Stage, TimeSpan Took)> Stages, TimeSpan Total)
{
    /// <summary>Each candidate's outcome, in the order of <see cref="SettingsCandidate.All"/>.</summary>
    public IReadOnlyList<CandidateResult> Candidates { get; } =
        [.. Runs[0].Outcomes.Select((_, i) => new CandidateResult(
            SettingsOutcome.Pool([.. Runs.Select(r => r.Outcomes[i])]),
            [.. Runs.Select(r => (r.Traffic.Seed, r.Outcomes[i]))]))];

    /// <summary>The default settings' result.</summary>
    public CandidateResult DefaultResult => Candidates[0];

    /// <summary>The pooled outcome at the default settings.</summary>
    public SettingsOutcome Defaults => DefaultResult.Pooled;

    /// <summary>
    /// The change recommended when the defaults do not meet the goal in every run: of the changes that
    /// do, the one that keeps the most labels, then detects fastest, then alarms least; null when the
    /// defaults need none or no change tried will do.
    /// </summary>
    public CandidateResult? Recommended =>
        DefaultResult.MeetsGoalInEveryRun
            ? null
            : Candidates.Skip(1).Where(c => c.MeetsGoalInEveryRun)
                .OrderByDescending(c => c.Combined.Recall)
                .ThenBy(c => c.Combined.MeanTimeToDetect)
                .ThenBy(c => c.Combined.FalseAlarmsPerDay)
                .FirstOrDefault();
}
