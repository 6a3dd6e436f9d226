using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Mplane.Streams.Engine;

namespace Mplane.Cli.Commands;

/// <summary><c>mplane streams run|status</c>: the continuous query scheduler, and the <c>cquery</c> status and log.</summary>
internal static class StreamsCommand
{
    public static Command Create()
    {
        var streams = new Command("streams", "Continuous queries over stream tables: run the scheduler, show their status and log, feed stream tables from imports.");
        streams.Subcommands.Add(Run());
        streams.Subcommands.Add(Status());
        streams.Subcommands.Add(Tee("tee", "Feed a stream table from the import path: every file imported into STREAM from now on also inserts its rows (the columns both have) into TABLE.", (tees, stream, table, ct) => tees.AddAsync(stream, table, ct)));
        streams.Subcommands.Add(Tee("untee", "Stop feeding TABLE from the imports of STREAM.", (tees, stream, table, ct) => tees.RemoveAsync(stream, table, ct)));
        return streams;
    }

    private static Command Tee(string name, string description, Func<StreamTees, string, Warehouse.Sql.Identifier, CancellationToken, Task<string>> act)
    {
        var stream = new Argument<string>("STREAM") { Description = "The imported stream (its base table's name), e.g. log_tcp_complete." };
        var table = new Argument<string>("TABLE") { Description = "The stream table." };
        var command = new Command(name, description) { stream, table };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            Warehouse.Sql.Identifier target;
            try
            {
                target = Warehouse.Sql.Identifier.Of(parse.GetValue(table)!, "stream table");
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"streams {name}: {e.Message}");
            }

            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            try
            {
                Console.WriteLine(await act(new StreamTees(dataSource), parse.GetValue(stream)!, target, ct).ConfigureAwait(false));
            }
            catch (StreamException e)
            {
                throw new UsageException($"streams {name}: {e.Message}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Run()
    {
        var cycle = new Option<string>("--cycle") { Description = "The scheduler's cycle when no insert wakes it (heartbeats and clocks are checked at this pace).", DefaultValueFactory = _ => "100ms" };
        var command = new Command("run", "Run the continuous query scheduler until Ctrl-C; inserts into stream tables wake it at once.") { cycle };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var pace = CliValues.Span(parse.GetValue(cycle)!, "--cycle");
            using var loggers = ConsoleLoggers.Create();
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            var net = new PetriNet(dataSource, loggers.CreateLogger<PetriNet>());
            Console.WriteLine("streams: the continuous query scheduler runs (Ctrl-C stops)");
            try
            {
                await net.RunAsync(pace, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (InvalidOperationException e)
            {
                throw new UsageException($"streams run: {e.Message}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Status()
    {
        var log = new Option<int>("--log") { Description = "Also the last N lines of the cquery log.", DefaultValueFactory = _ => 10 };
        var command = new Command("status", "Each continuous query: state, trigger, runs, last run, last error; then the log.") { log };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            var status = await StreamStatus.ReadAsync(dataSource, parse.GetValue(log), ct).ConfigureAwait(false);
            Console.WriteLine($"{"tag",-20} {"state",-8} {"routine",-32} {"trigger",-24} {"runs",6}  {"last run (UTC)",-19}  error");
            foreach (var q in status.Queries)
            {
                var trigger = q.HeartbeatMs is { } hb ? $"heartbeat {hb} ms" : q.Inputs.Count == 0 ? "every cycle" : $"windows of {string.Join(",", q.Inputs)}";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{q.Tag,-20} {(q.Running ? "running" : "paused"),-8} {$"{q.Schema}.{q.Routine}({string.Join(", ", q.Arguments)})",-32} {trigger,-24} {q.Runs,6}  {q.LastRun?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",-19}  {q.LastError}"));
            }

            foreach (var tee in await new StreamTees(dataSource).ListAsync(ct).ConfigureAwait(false))
            {
                Console.WriteLine($"tee: imports of {tee.Stream.Schema.Name}.{tee.Stream.Table.Name} feed {tee.Target.Schema.Name}.{tee.Target.Table.Name}");
            }

            foreach (var (tag, at, message) in status.Log)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{at.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {tag}: {message}"));
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
