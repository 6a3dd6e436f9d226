using Mplane.Configuration;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Mplane.Generators;
using Mplane.LogFormats.Methods;
using Mplane.LogFormats.Scanning;
using Mplane.Warehouse.Import;

namespace Mplane.Cli.Commands;

/// <summary><c>mplane import FILE|DIR --stream NAME</c>: load logs into a stream's base table, exactly once.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var stream = new Option<string>("--stream") { Description = "The stream: its base table is the partitioned table NAME.", Required = true };
        var schema = new Option<string>("--schema") { Description = "Schema of the base table.", DefaultValueFactory = _ => "public" };
        var window = new Option<string>("--window") { Description = "The table's window (one partition each), fixed when the table is created.", DefaultValueFactory = _ => "5m" };
        var time = new Option<WindowSource>("--time") { Description = "Where rows get their window from: path (the Tstat .out folder, UTC) or row (each row's first-packet time).", DefaultValueFactory = _ => WindowSource.Path };
        var budget = new Option<double>("--error-budget") { Description = "Share of a file's lines that may be rejected before the whole file is (beyond 10 lines).", DefaultValueFactory = _ => 0.01 };
        var method = new Option<string?>("--method") { Description = "Read with this method instead of recognising it." };
        var log = new Option<string?>("--log") { Description = "In folders, import only files whose name matches this glob (e.g. log_tcp_complete*)." };
        var index = new Option<string?>("--index") { Description = "Comma-separated columns to index on each partition once its window is closed (e.g. c_ip,s_port)." };
        var complete = new Option<bool>("--complete") { Description = "No more files will come for the newest window: let jobs compute it." };
        var inputs = new Argument<string[]>("FILE|DIR") { Arity = ArgumentArity.OneOrMore, Description = "Log files or folders in Tstat's layout." };

        var command = new Command("import", "Import log files into a stream's base table (binary COPY, one transaction per file, exactly once).")
        {
            stream, schema, window, time, budget, method, log, index, complete, inputs,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            if (!Spans.TryParse(parse.GetValue(window)!, out var windowLength) || windowLength < TimeSpan.FromSeconds(1) || windowLength.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                throw new UsageException($"--window: '{parse.GetValue(window)}' is not a whole number of seconds such as 5m or 1h");
            }

            try
            {
                Warehouse.Tables.ContinuousTables.TableName(parse.GetValue(stream)!);
                Warehouse.Sql.Identifier.Of(parse.GetValue(schema)!, "schema");
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"import: {e.Message}");
            }

            var options = new ImportOptions
            {
                Stream = parse.GetValue(stream)!,
                Schema = parse.GetValue(schema)!,
                Window = windowLength,
                WindowSource = parse.GetValue(time),
                ErrorBudget = parse.GetValue(budget),
                Method = parse.GetValue(method) is { } name ? new MethodRegistry().Get(name) : null,
                Indexes = parse.GetValue(index)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            };

            IReadOnlyList<string> files;
            try
            {
                files = InputFiles.Expand(parse.GetValue(inputs)!, parse.GetValue(log));
            }
            catch (FileNotFoundException e)
            {
                throw new UsageException($"import: {e.Message}");
            }

            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            var importer = new Importer(dataSource) { OnProblem = p => Console.Error.WriteLine(p.ToString()) };
            var clock = Stopwatch.StartNew();
            long rows = 0, rejected = 0;
            int imported = 0, skipped = 0, failed = 0;
            foreach (var file in files)
            {
                try
                {
                    var result = await importer.ImportFileAsync(file, options, ct).ConfigureAwait(false);
                    if (result.Status == ImportStatus.AlreadyImported)
                    {
                        skipped++;
                        Console.WriteLine($"already imported: {file} (SHA-256 {result.Sha256[..16]}…)");
                        continue;
                    }

                    if (result.Status == ImportStatus.Duplicate)
                    {
                        skipped++;
                        Console.WriteLine($"already imported as {result.DuplicateOf}: {file} (same SHA-256 {result.Sha256[..16]}…)");
                        continue;
                    }

                    imported++;
                    rows += result.Rows;
                    rejected += result.Rejected;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"imported {result.Rows,9:N0} rows{(result.Rejected > 0 ? $" ({result.Rejected} rejected)" : string.Empty)}{(result.Late ? " [late]" : string.Empty)}: {file}"));
                }
                catch (ImportException e)
                {
                    failed++;
                    await Console.Error.WriteLineAsync($"mplane: not imported: {e.Message}").ConfigureAwait(false);
                }
            }

            if (parse.GetValue(complete) && await importer.MarkCompleteAsync(options.Schema, options.Stream, ct).ConfigureAwait(false) is { } end)
            {
                Console.WriteLine($"stream {options.Schema}.{options.Stream} complete before {end:yyyy-MM-dd HH:mm} UTC");
            }

            var seconds = System.Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{imported} files imported ({rows:N0} rows, {rows / seconds:N0} rows/s), {skipped} already imported, {failed} failed, {rejected} lines rejected; stream {options.Schema}.{options.Stream}"));
            return failed > 0 ? ExitCodes.Failure : ExitCodes.Success;
        }));
        return command;
    }
}
