using System.Text;
using Mplane.LogFormats.Output;
using Mplane.LogFormats.Query;
using Mplane.LogFormats.Reading;

namespace Mplane.LogFormats.Scanning;

/// <summary>
/// Reads inputs through <see cref="RecordReader"/>, filters with compiled predicates and counts,
/// groups or writes the matching records. Counting and grouping read several files at once;
/// writing keeps the inputs' order.
/// </summary>
public sealed class Scanner(ScanOptions options, Action<ReadProblem>? onProblem = null)
{
    private readonly Dictionary<string, RecordPredicate> _filters = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Scans <paramref name="files"/>; records (when written) go to <paramref name="output"/>.</summary>
    /// <exception cref="FilterException">The filter does not compile for an input's format.</exception>
    /// <exception cref="LogFormatException">An input cannot be read.</exception>
    public async Task<ScanSummary> ScanAsync(IReadOnlyList<string> files, TextWriter? output, CancellationToken cancellationToken)
    {
        if (options.Where is { } where)
        {
            FilterCompiler.CheckSyntax(where); // fail before reading anything
        }

        var total = new ScanSummary();
        if (options.WritesRecords || options.Parallelism <= 1)
        {
            var writer = output is null || !options.WritesRecords ? null : new RecordWriter(output, options.OutputFormat, options.Select);
            foreach (var file in files)
            {
                total.Add(await ScanFileAsync(file, writer, cancellationToken).ConfigureAwait(false));
            }

            return total;
        }

        var parts = new ScanSummary[files.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, files.Count),
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
            async (i, token) => parts[i] = await ScanFileAsync(files[i], null, token).ConfigureAwait(false)).ConfigureAwait(false);
        foreach (var part in parts)
        {
            total.Add(part);
        }

        return total;
    }

    /// <summary>Scans one input.</summary>
    public async Task<ScanSummary> ScanFileAsync(string file, RecordWriter? writer, CancellationToken cancellationToken)
    {
        var summary = new ScanSummary { Files = 1 };
        var readerOptions = new RecordReaderOptions { Method = options.Method, OnProblem = onProblem };
        var reader = await RecordReader.OpenFileAsync(file, readerOptions, cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var record = reader.Current;
            RecordFormat? format = null;
            var filter = FilterCompiler.All;
            var groupIndex = -1;
            var groups = new Dictionary<string, long>(StringComparer.Ordinal);
            var groupLookup = groups.GetAlternateLookup<ReadOnlySpan<char>>();
            var chars = new char[256];
            var matched = 0L;

            do
            {
                while (reader.TryRead())
                {
                    if (!ReferenceEquals(record.Format, format))
                    {
                        format = record.Format;
                        filter = FilterFor(format);
                        groupIndex = options.GroupBy is null ? -1 : GroupIndex(format);
                    }

                    if (!filter(record))
                    {
                        continue;
                    }

                    matched++;
                    if (options.GroupBy is not null)
                    {
                        Count(record, groupIndex, groupLookup, ref chars);
                    }
                    else
                    {
                        writer?.Write(record);
                    }
                }
            }
            while (await reader.FillAsync(cancellationToken).ConfigureAwait(false));

            summary.Records = reader.Statistics.Records;
            summary.Malformed = reader.Statistics.Malformed;
            summary.Bytes = reader.Statistics.Bytes;
            summary.Matched = matched;
            foreach (var (key, count) in groups)
            {
                summary.Groups[key] = count;
            }
        }

        return summary;
    }

    private static void Count(RecordCursor record, int index, Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> groups, ref char[] chars)
    {
        ReadOnlySpan<byte> value = record.IsNull(index) ? "-"u8 : record.Field(index);
        if (chars.Length < value.Length)
        {
            chars = new char[value.Length * 2];
        }

        var key = chars.AsSpan(0, Encoding.UTF8.GetChars(value, chars));
        if (groups.TryGetValue(key, out var count))
        {
            groups[key] = count + 1;
        }
        else
        {
            groups[key.ToString()] = 1;
        }
    }

    private int GroupIndex(RecordFormat format)
    {
        if (format.Resolve(options.GroupBy!) is null)
        {
            throw new FilterException($"unknown field '{options.GroupBy}' for --group", options.GroupBy!, 0, options.GroupBy!.Length);
        }

        return format.IndexOf(options.GroupBy!);
    }

    private RecordPredicate FilterFor(RecordFormat format)
    {
        if (options.Where is null)
        {
            return FilterCompiler.All;
        }

        var key = format.Method.Name + "\n" + (format.Header ?? format.Name);
        lock (_lock)
        {
            if (!_filters.TryGetValue(key, out var filter))
            {
                filter = FilterCompiler.Compile(options.Where, format);
                _filters[key] = filter;
            }

            return filter;
        }
    }
}
