using Mplane.Analysis.Detectors;
using Mplane.Configuration;
using Mplane.Generators.Tstat;
using Mplane.Testing;
using Mplane.Tools.AnalysisEvaluation.Report;
using Mplane.Tools.AnalysisEvaluation.Scoring;
using Npgsql;

namespace Mplane.Tools.AnalysisEvaluation;

/// <summary>
/// The evaluation: for each seed, a database of its own (a <see cref="TestDatabase"/>: on the server
/// <c>DatabaseLocator</c> resolves, dropped afterwards), the traffic through the warehouse, and the
/// detectors with every candidate's settings, scored against the labels.
/// </summary>
public sealed class Evaluation(ProjectHome home, ProgressLog progress)
{
    /// <summary>The feature whose kl_refset scores are plotted: it shows port scans (the scanner's /24) and outages (the silent /24).</summary>
    public const string PlottedFeature = "client_net";

    /// <summary>Runs the evaluation.</summary>
    public async Task<EvaluationResult> RunAsync(EvaluationOptions options, CancellationToken cancellationToken)
    {
        var runs = new List<SeedRun>();
        ScoreSeries? plot = null;
        var version = string.Empty;
        foreach (var seed in options.Seeds)
        {
            var folder = Directory.CreateTempSubdirectory("mplane-analysis-evaluation-");
            try
            {
                await using var database = await TestDatabase.CreateAsync("evaluation", cancellationToken).ConfigureAwait(false);
                version = await ServerVersionAsync(database.DataSource, cancellationToken).ConfigureAwait(false);
                progress.Say($"seed {seed}: database {database.Name} on {new NpgsqlConnectionStringBuilder(database.ConnectionString) { Password = null }}");
                var traffic = await new TrafficPipeline(home, database.DataSource, progress).RunAsync(options, seed, folder.FullName, cancellationToken).ConfigureAwait(false);
                folder.Delete(recursive: true);
                var pass = new AnalysisPass(database.DataSource, traffic);
                var outcomes = new List<SettingsOutcome>();
                var atFloor = double.NaN;
                IReadOnlyList<(AnomalyKind Kind, double Change)> strength = [];
                foreach (var candidate in SettingsCandidate.All)
                {
                    var (outcome, alarms) = await progress.StageAsync($"seed {seed}: detectors with {candidate.Name}", () => pass.RunAsync(candidate, cancellationToken)).ConfigureAwait(false);
                    progress.Say($"  {Summary(outcome)}");
                    outcomes.Add(outcome);
                    if (candidate.Parameter is null)
                    {
                        plot ??= ScoreSeries.Of(PlottedFeature, KlRefsetDetector.Name, traffic, alarms, candidate.Settings.Bin);
                        atFloor = alarms.ShareAtThresholdFloor(KlRefsetDetector.Name, candidate.Settings.KlRefset.MinThreshold);
                        strength = AnomalyStrength.Of(alarms, traffic.Labels, candidate.Settings.Bin);
                    }
                }

                runs.Add(new SeedRun(traffic, outcomes, atFloor, strength));
            }
            finally
            {
                folder.Refresh();
                if (folder.Exists)
                {
                    folder.Delete(recursive: true);
                }
            }
        }

        return new EvaluationResult(options, runs, plot!, version, progress.Stages, progress.Elapsed);
    }

    private static async Task<string> ServerVersionAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SHOW server_version");
        return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static string Summary(SettingsOutcome outcome) =>
        string.Join("; ", outcome.Main.Select(s => $"{s.Rule.Name} {Format.Ratio(s.Recall)} recall, {Format.Rate(s.FalseAlarmsPerDay)} false/day"));
}
