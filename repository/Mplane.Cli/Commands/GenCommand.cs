using Mplane.Configuration;
using System.CommandLine;
using System.Globalization;
using Mplane.Generators;
using Mplane.Generators.Tstat;

namespace Mplane.Cli.Commands;

/// <summary><c>mplane gen tstat</c>: deterministic Tstat logs with labelled anomalies.</summary>
internal static class GenCommand
{
    public static Command Create()
    {
        var gen = new Command("gen", "Generate realistic measurement data for tests, demos and benchmarks.");
        gen.Subcommands.Add(Tstat());
        return gen;
    }

    private static Command Tstat()
    {
        var output = new Option<string>("--out") { Description = "Folder to write Tstat's layout (YYYY/MM-Mon/YYYY_MM_DD_HH_MM.out/log_tcp_complete) into.", Required = true };
        var start = new Option<string>("--start") { Description = "Start of the first period, ISO-8601 UTC on a whole minute.", DefaultValueFactory = _ => "2015-02-27T22:00:00Z" };
        var duration = new Option<string>("--duration") { Description = "Span to cover, e.g. 1h, 90m, 3d.", DefaultValueFactory = _ => "1h" };
        var interval = new Option<string>("--interval") { Description = "Rotation period: one file per interval (whole minutes).", DefaultValueFactory = _ => "10m" };
        var rate = new Option<double>("--rate") { Description = "Mean flows per second of ordinary traffic (follows a daily cycle).", DefaultValueFactory = _ => 100 };
        var seed = new Option<ulong>("--seed") { Description = "Seed; equal arguments give byte-identical output.", DefaultValueFactory = _ => 1 };
        var anomaly = new Option<string[]>("--anomaly")
        {
            Description = "Inject an anomaly: KIND[@START][/DURATION], KIND one of portscan, ddos, outage, flashcrowd; " +
                          "START ISO-8601 or +OFFSET from --start (e.g. portscan@+20m/10m). Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var anomalies = new Option<int>("--anomalies") { Description = "Also inject N anomalies of every kind at places the generator picks.", DefaultValueFactory = _ => 0 };

        var command = new Command("tstat", "Write Tstat log_tcp_complete files (header level 15, 130 columns) and a label file of injected anomalies.")
        {
            output, start, duration, interval, rate, seed, anomaly, anomalies,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var options = new TstatGeneratorOptions
            {
                OutputDirectory = parse.GetValue(output)!,
                Start = CliValues.Instant(parse.GetValue(start)!, "--start"),
                Duration = CliValues.Span(parse.GetValue(duration)!, "--duration"),
                Interval = CliValues.Span(parse.GetValue(interval)!, "--interval"),
                Rate = parse.GetValue(rate),
                Seed = parse.GetValue(seed),
                Anomalies = (parse.GetValue(anomaly) ?? []).Select(ParseAnomaly).ToList(),
                AnomaliesPerKind = parse.GetValue(anomalies),
            };
            var problems = options.Validate();
            if (problems.Count > 0)
            {
                throw new UsageException(string.Join("; ", problems));
            }

            GenerationSummary summary;
            try
            {
                using var progress = new FileProgress(Console.Error);
                summary = await new TstatLogGenerator().GenerateAsync(options, progress, ct).ConfigureAwait(false);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {summary.Files.Count} log_tcp_complete files, {summary.Flows:N0} flows, {summary.Bytes / 1e6:0.0} MB into {Path.GetFullPath(options.OutputDirectory)}"));
            Console.WriteLine($"anomalies: {summary.Labels.Count} (labels in {summary.LabelFile})");
            foreach (var label in summary.Labels)
            {
                Console.WriteLine($"  {label.ToLine().Replace('\t', ' ')}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static AnomalyRequest ParseAnomaly(string text)
    {
        try
        {
            return AnomalyRequest.Parse(text);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--anomaly: {e.Message}");
        }
    }
}
