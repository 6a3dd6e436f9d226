using System.CommandLine;
using System.Globalization;
using System.Text;
using Mplane.LogFormats;
using Mplane.LogFormats.Methods;
using Mplane.LogFormats.Query;
using Mplane.LogFormats.Reading;
using Mplane.LogFormats.Scanning;

namespace Mplane.Cli.Commands;

/// <summary><c>mplane scan</c>: filter, count, group and print log records, DSS style.</summary>
internal static class ScanCommand
{
    private const int ProblemsShownPerFile = 10;

    public static Command Create()
    {
        var method = new Option<string?>("--method") { Description = "Read with this method (tstat, mawi) instead of recognising it from the first line." };
        var where = new Option<string?>("--where") { Description = "Filter: C operators (== != < <= > >= && || !), 'in' a prefix or {list}, ~ glob, =~ regex. See --man." };
        var select = new Option<string?>("--select") { Description = "Comma-separated fields to output (default: all)." };
        var count = new Option<bool>("--count") { Description = "Print only the number of matching records (the last line of standard output)." };
        var group = new Option<string?>("--group") { Description = "Count matching records per value of this field." };
        var top = new Option<int>("--top") { Description = "With --group: how many of the most frequent values to print.", DefaultValueFactory = _ => 10 };
        var format = new Option<OutputFormat>("--format") { Description = "Output format: text, csv, tsv or json.", DefaultValueFactory = _ => OutputFormat.Text };
        var threads = new Option<int>("--threads") { Description = "Files read at once when counting or grouping (default: the number of cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var log = new Option<string?>("--log") { Description = "In folders, read only files whose name matches this glob (e.g. log_tcp_complete*)." };
        var man = new Option<string?>("--man") { Description = "Print the field dictionary of METHOD (default: every method) and the filter syntax, then exit.", Arity = ArgumentArity.ZeroOrOne, HelpName = "METHOD" };
        var inputs = new Argument<string[]>("FILE|DIR") { Arity = ArgumentArity.ZeroOrMore, Description = "Log files (plain, gzip, bzip2, xz or zstd) or folders in Tstat's layout." };

        var command = new Command("scan", "Read Tstat and MAWI logs: filter, count, group, print. Compressed input is recognised by its magic bytes.")
        {
            method, where, select, count, group, top, format, threads, log, man, inputs,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var registry = new MethodRegistry();
            var methodName = parse.GetValue(method);
            var chosen = methodName is null ? null : Lookup(registry, methodName);
            if (parse.GetResult(man) is not null)
            {
                chosen = parse.GetValue(man) is { } manMethod ? Lookup(registry, manMethod) : chosen;
                await Console.Out.WriteAsync(Manual(chosen is null ? registry.Methods : [chosen])).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var paths = parse.GetValue(inputs) ?? [];
            if (paths.Length == 0)
            {
                throw new UsageException("scan: name at least one FILE or DIR (or use --man)");
            }

            if (parse.GetValue(top) < 1 || parse.GetValue(threads) < 1)
            {
                throw new UsageException("scan: --top and --threads must be at least 1");
            }

            var options = new ScanOptions
            {
                Method = chosen,
                Where = parse.GetValue(where),
                Select = parse.GetValue(select)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                CountOnly = parse.GetValue(count),
                GroupBy = parse.GetValue(group),
                Top = parse.GetValue(top),
                OutputFormat = parse.GetValue(format),
                Parallelism = parse.GetValue(threads),
            };

            IReadOnlyList<string> files;
            try
            {
                files = InputFiles.Expand(paths, parse.GetValue(log));
            }
            catch (FileNotFoundException e)
            {
                throw new UsageException($"scan: {e.Message}");
            }

            var problems = new ProblemReporter(Console.Error, ProblemsShownPerFile);
            var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16) { AutoFlush = false };
            await using (stdout.ConfigureAwait(false))
            {
                ScanSummary summary;
                try
                {
                    summary = await new Scanner(options, problems.Report).ScanAsync(files, stdout, ct).ConfigureAwait(false);
                }
                catch (FilterException e)
                {
                    await stdout.FlushAsync(ct).ConfigureAwait(false);
                    throw new UsageException($"--where: {e.Message}");
                }
                catch (LogFormatException e)
                {
                    await stdout.FlushAsync(ct).ConfigureAwait(false);
                    await Console.Error.WriteLineAsync($"mplane: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                if (options.GroupBy is not null)
                {
                    new LogFormats.Output.RecordWriter(stdout, options.OutputFormat, null).WriteGroups(
                        options.GroupBy,
                        summary.Groups.OrderByDescending(g => g.Value).ThenBy(g => g.Key, StringComparer.Ordinal).Take(options.Top));
                }

                if (options.CountOnly)
                {
                    await stdout.WriteLineAsync(summary.Matched.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                }

                await stdout.FlushAsync(ct).ConfigureAwait(false);
                problems.Finish(summary);
                return ExitCodes.Success;
            }
        }));
        return command;
    }

    private static IRecordMethod Lookup(MethodRegistry registry, string name)
    {
        try
        {
            return registry.Get(name);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--method: {e.Message}");
        }
    }

    private static string Manual(IEnumerable<IRecordMethod> methods)
    {
        var text = new StringBuilder();
        foreach (var m in methods)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"METHOD {m.Name}: {m.Description}");
            var width = m.Dictionary.Max(f => f.Name.Length);
            foreach (var field in m.Dictionary)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  {field.Name.PadRight(width)}  {field.Type.DisplayName(),-11}  {field.Unit,-8}  {field.Description}");
            }

            text.AppendLine();
        }

        text.AppendLine("""
            FILTERS (--where)
              comparisons   == != < <= > >=      s_port == 443, durat > 1000, first >= "2015-02-27T22:00:00Z"
              logic         && || ! ( )          (also: and, or, not)
              sets          in PREFIX, in {..}   c_ip in 10.0.0.0/8, s_port in {80, 443, 8080}
              text          == "x", ~ "glob", !~ "glob", =~ "regex"
              null          field == null        empty fields and '-' are null; comparisons with null are false
            Fields are named as the log's header names them (case-insensitive). A field the format lacks reads as null.
            """);
        return text.ToString();
    }

    /// <summary>Shows the first skipped lines of each file on standard error, and a summary of all.</summary>
    private sealed class ProblemReporter(TextWriter error, int perFile)
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, int> _shown = new(StringComparer.Ordinal);

        public void Report(ReadProblem problem)
        {
            lock (_lock)
            {
                var shown = _shown.GetValueOrDefault(problem.Source);
                _shown[problem.Source] = shown + 1;
                if (shown < perFile)
                {
                    error.WriteLine(problem.ToString());
                }
                else if (shown == perFile)
                {
                    error.WriteLine($"{problem.Source}: further skipped lines not shown");
                }
            }
        }

        public void Finish(ScanSummary summary)
        {
            if (summary.Malformed > 0)
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"scan: skipped {summary.Malformed} malformed lines in {_shown.Count} of {summary.Files} files; {summary.Records} records read, {summary.Matched} matched"));
            }
        }
    }
}
