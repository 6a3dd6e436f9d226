// Issue #7's evaluation of anomaly detection: generated Tstat traffic with labelled anomalies through
// the warehouse and the detectors, scored per detector and combined; writes docs/analysis.md and its plot.
// Usage: dotnet run -c Release --project tools/Mplane.Tools.AnalysisEvaluation -- [DAYS] [RATE] [PER_KIND] [SEEDS]
using Mplane.Configuration;
using Mplane.Tools.AnalysisEvaluation;
using Mplane.Tools.AnalysisEvaluation.Report;

if (args is ["-h" or "--help"])
{
    Console.WriteLine(EvaluationOptions.Usage);
    return 0;
}

EvaluationOptions options;
try
{
    options = EvaluationOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"analysis evaluation: {e.Message}\n{EvaluationOptions.Usage}");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var home = ProjectHome.Discover();
var progress = new ProgressLog(Console.Error);
try
{
    var result = await new Evaluation(home, progress).RunAsync(options, stop.Token);
    var written = await new ReportWriter(home).WriteAsync(result, options, stop.Token);
    progress.Say($"wrote {string.Join(" and ", written)}");
    var combined = result.Defaults.Combined;
    Console.WriteLine(
        $"combined at defaults: recall {Format.Ratio(combined.Recall)} ({combined.Detected}/{combined.Outcomes.Count}), " +
        $"{Format.Rate(combined.FalseAlarmsPerDay)} false alarms/day: goal {(combined.MeetsGoal ? "met" : "not met")}");
    return 0;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("analysis evaluation: cancelled");
    return 130;
}
catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or Npgsql.NpgsqlException or Mplane.Warehouse.Import.ImportException)
{
    Console.Error.WriteLine($"analysis evaluation: {e.Message}");
    return 1;
}
