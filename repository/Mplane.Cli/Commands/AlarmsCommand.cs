using System.CommandLine;
using System.Globalization;
using Mplane.Analysis;

namespace Mplane.Cli.Commands;

/// <summary><c>mplane alarms [--from T] [--to T] [--all] [--json]</c> and <c>mplane alarms ack BIN [--feature F]</c>.</summary>
internal static class AlarmsCommand
{
    public static Command Create()
    {
        var from = new Option<string?>("--from") { Description = "The earliest bin (ISO 8601; default: a day before the latest alarm record).", HelpName = "TIME" };
        var to = new Option<string?>("--to") { Description = "The bin after the last one shown (default: no limit).", HelpName = "TIME" };
        var all = new Option<bool>("--all") { Description = "Every record (scores and thresholds of every bin), not only alarms." };
        var json = new Option<bool>("--json") { Description = "JSON lines instead of a table." };
        var command = new Command("alarms", "The anomaly alarms: bin, feature, detector, score against threshold, top contributors, state.") { from, to, all, json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            var store = new AlarmStore(dataSource);
            await store.EnsureAsync(ct).ConfigureAwait(false);
            var end = parse.GetValue(to) is { } t ? CliValues.Instant(t, "--to") : DateTimeOffset.MaxValue;
            var start = parse.GetValue(from) is { } f ? CliValues.Instant(f, "--from")
                : await store.LastBinAsync(null, ct).ConfigureAwait(false) is { } last ? last.AddDays(-1) : DateTimeOffset.UnixEpoch;
            var records = await store.ReadAsync(start, end, parse.GetValue(all), ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                foreach (var r in records)
                {
                    Console.WriteLine(AnalysisJson.Write(new { r.Record, r.AlarmState, r.ComputedAt }));
                }

                return ExitCodes.Success;
            }

            Console.WriteLine($"{"bin (UTC)",-16}  {"feature",-12} {"detector",-14} {"score",9} {"threshold",9}  {"state",-12}  top contributors");
            foreach (var (r, state, _) in records)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.BinStart.UtcDateTime:yyyy-MM-dd HH:mm}  {r.Feature,-12} {r.Detector,-14} {r.Score,9:0.####} {r.Threshold,9:0.####}  {(r.IsAlarm ? state : r.Status),-12}  {string.Join(", ", r.TopContributors.Take(3).Select(c => c.Key))}"));
            }

            Console.WriteLine($"({records.Count(r => r.Record.IsAlarm)} alarms{(parse.GetValue(all) ? $" in {records.Count} records" : string.Empty)} from {start:yyyy-MM-dd HH:mm})");
            return ExitCodes.Success;
        }));
        command.Subcommands.Add(Acknowledge());
        return command;
    }

    private static Command Acknowledge()
    {
        var bin = new Argument<string>("BIN") { Description = "The alarm's bin (ISO 8601, UTC)." };
        var feature = new Option<string?>("--feature") { Description = "Only this feature's alarms (default: every feature of the bin)." };
        var command = new Command("ack", "Acknowledge the alarms of a bin: they stay, marked as seen by an operator (a recomputation keeps the mark).") { bin, feature };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var at = CliValues.Instant(parse.GetValue(bin)!, "BIN");
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            var store = new AlarmStore(dataSource);
            await store.EnsureAsync(ct).ConfigureAwait(false);
            var count = await store.AcknowledgeAsync(at, parse.GetValue(feature), ct).ConfigureAwait(false);
            if (count == 0)
            {
                throw new UsageException($"alarms ack: no alarm in the bin {at:yyyy-MM-ddTHH:mm:ssZ}{(parse.GetValue(feature) is { } f ? $" for {f}" : string.Empty)} (see 'mplane alarms')");
            }

            Console.WriteLine($"alarms: {count} acknowledged");
            return ExitCodes.Success;
        }));
        return command;
    }
}
