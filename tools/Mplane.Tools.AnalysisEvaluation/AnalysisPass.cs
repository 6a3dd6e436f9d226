using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Analysis;
using Mplane.Tools.AnalysisEvaluation.Scoring;
using Npgsql;

namespace Mplane.Tools.AnalysisEvaluation;

/// <summary>
/// Runs the detectors over the whole run with a candidate's settings (the first pass as a live run
/// would, later ones as a backfill that replaces every record) and scores every reported rule.
/// </summary>
public sealed class AnalysisPass(NpgsqlDataSource dataSource, Traffic traffic)
{
    private readonly AlarmStore _store = new(dataSource);
    private bool _ran;

    /// <summary>Evaluates every bin with the candidate's settings; returns the scores and the records.</summary>
    public async Task<(SettingsOutcome Outcome, RunAlarms Alarms)> RunAsync(SettingsCandidate candidate, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var settings = candidate.Settings;
        var runner = new AnalysisRunner(dataSource, settings, NullLogger<AnalysisRunner>.Instance);
        var bins = _ran
            ? await runner.BackfillAsync(traffic.Start, cancellationToken).ConfigureAwait(false)
            : await runner.RunAsync(cancellationToken).ConfigureAwait(false);
        _ran = true;
        var expected = (int)((traffic.End - traffic.Start) / settings.Bin);
        if (bins != expected)
        {
            throw new InvalidOperationException($"the detectors evaluated {bins} bins, expected {expected}: the views are incomplete");
        }

        var took = clock.Elapsed;
        var alarms = await RunAlarms.ReadAsync(_store, traffic.Start, traffic.End, cancellationToken).ConfigureAwait(false);
        var scorer = new Scorer(traffic.Labels, settings.Bin, traffic.Days);
        return (new SettingsOutcome(candidate, [.. AlarmRule.Reported.Select(r => scorer.Score(r, alarms))], took), alarms);
    }
}
