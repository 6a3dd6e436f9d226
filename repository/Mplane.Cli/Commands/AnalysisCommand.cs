using System.CommandLine;
using Microsoft.Extensions.Logging;
using Mplane.Analysis;
using Mplane.Configuration;

namespace Mplane.Cli.Commands;

/// <summary><c>mplane analysis run|backfill</c>: anomaly detection over the bins the warehouse has closed.</summary>
internal static class AnalysisCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "The analysis configuration (default: conf/analysis.yaml).", Recursive = true };
        var analysis = new Command("analysis", "Anomaly detection: evaluate the closed bins of the feature views, or evaluate history again.") { config };
        analysis.Subcommands.Add(Run(config));
        analysis.Subcommands.Add(Backfill(config));
        return analysis;
    }

    private static Command Run(Option<string?> config)
    {
        var follow = new Option<string?>("--follow") { Description = "Keep evaluating new bins as the jobs close them, every INTERVAL (e.g. 30s); Ctrl-C stops.", HelpName = "INTERVAL" };
        var command = new Command("run", "Evaluate every closed bin not evaluated yet (and those whose data changed), then exit.") { follow };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var interval = parse.GetValue(follow) is { } text ? CliValues.Span(text, "--follow") : (TimeSpan?)null;
            using var loggers = ConsoleLoggers.Create();
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            var runner = new AnalysisRunner(dataSource, AnalysisConfiguration.Load(ProjectHome.Discover(), parse.GetValue(config)), loggers.CreateLogger<AnalysisRunner>());
            do
            {
                var bins = await runner.RunAsync(ct).ConfigureAwait(false);
                if (interval is null)
                {
                    Console.WriteLine(bins == 0 ? "analysis: no closed bin to evaluate" : $"analysis: {bins} bins evaluated ('mplane alarms' lists the alarms)");
                    break;
                }

                try
                {
                    await Task.Delay(interval.Value, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            while (!ct.IsCancellationRequested);

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Backfill(Option<string?> config)
    {
        var from = new Option<string>("--from") { Description = "The first bin to evaluate again (ISO 8601, UTC).", Required = true, HelpName = "TIME" };
        var command = new Command("backfill", "Evaluate every closed bin from --from again, in order (after changing the settings, or to fill history).") { from };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var start = CliValues.Instant(parse.GetValue(from)!, "--from");
            using var loggers = ConsoleLoggers.Create();
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            var runner = new AnalysisRunner(dataSource, AnalysisConfiguration.Load(ProjectHome.Discover(), parse.GetValue(config)), loggers.CreateLogger<AnalysisRunner>());
            Console.WriteLine($"analysis: {await runner.BackfillAsync(start, ct).ConfigureAwait(false)} bins evaluated from {start:yyyy-MM-ddTHH:mm:ssZ}");
            return ExitCodes.Success;
        }));
        return command;
    }
}
