using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Mplane.Generators.Tstat;

namespace Mplane.Reliability.Tests.BadInput;

/// <summary>What the product must do with a file of the corpus.</summary>
internal enum Outcome
{
    /// <summary>Imported in full.</summary>
    Imported,

    /// <summary>Imported without its bad lines (within the error budget), each named with file and line in the log.</summary>
    LinesSkipped,

    /// <summary>Refused whole: moved to the quarantine with its error (file and, where one applies, line) beside it.</summary>
    Quarantined,

    /// <summary>Changed while it was read: not quarantined, tried again, then imported in full.</summary>
    RetriedThenImported,
}

/// <summary>One file of the corpus.</summary>
/// <param name="Kind">What it is (<c>good</c>, <c>empty file</c>...).</param>
/// <param name="RelativePath">Its path in Tstat's layout, '/'-separated.</param>
/// <param name="Outcome">What must happen to it.</param>
/// <param name="Rows">The rows that must be imported from it (the generator's, less the bad lines).</param>
/// <param name="Error">The error's pattern, with <c>{path}</c> for the file's path as the importer sees it; null for a good file.</param>
internal sealed record CorpusFile(string Kind, string RelativePath, Outcome Outcome, long Rows, string? Error = null)
{
    /// <summary>The error's pattern for the file at <paramref name="path"/>.</summary>
    public Regex ErrorFor(string path) => new(Error!.Replace("{path}", Regex.Escape(path), StringComparison.Ordinal));
}

/// <summary>
/// The bad-input corpus, each bad file between good ones, built from generated Tstat logs (one
/// 5-minute period per file, so that each has its own name and window): a truncated last line, every
/// row one column short, a header of another log kind, bytes that are not UTF-8, binary garbage, a
/// 10 MB line, an empty file, a truncated gzip, and a file rewritten while it is read (its content
/// after the rewrite in <see cref="RewrittenContent"/>; each path rewrites it its own way). The good
/// files and the rows every file must yield are known from the generator.
/// </summary>
internal sealed class BadInputCorpus
{
    /// <summary>The first period; one file per period after it.</summary>
    public static readonly DateTimeOffset Start = new(2015, 2, 27, 22, 0, 0, TimeSpan.Zero);

    private const int BadLine = 4;

    private BadInputCorpus(string root, IReadOnlyList<CorpusFile> files, CorpusFile rewritten, byte[] rewrittenContent, CorpusFile later, byte[] laterContent)
    {
        Root = root;
        Files = files;
        Rewritten = rewritten;
        RewrittenContent = rewrittenContent;
        Later = later;
        LaterContent = laterContent;
    }

    /// <summary>The corpus folder (Tstat's layout).</summary>
    public string Root { get; }

    /// <summary>Every file written, oldest period first (the rewritten file last, as first written).</summary>
    public IReadOnlyList<CorpusFile> Files { get; }

    /// <summary>The file rewritten while it is read.</summary>
    public CorpusFile Rewritten { get; }

    /// <summary>The rewritten file's content after the rewrite (what must be imported).</summary>
    public byte[] RewrittenContent { get; }

    /// <summary>A good file of a later period, not written: placed once the corpus is through, to show the program still serves.</summary>
    public CorpusFile Later { get; }

    /// <summary>The later file's content.</summary>
    public byte[] LaterContent { get; }

    /// <summary>The bad files.</summary>
    public IEnumerable<CorpusFile> Bad => Files.Where(f => f.Outcome != Outcome.Imported);

    /// <summary>The path of a corpus file.</summary>
    public string PathOf(CorpusFile file) => Path.Combine(Root, file.RelativePath);

    /// <summary>
    /// Writes the corpus into <paramref name="root"/>, generating the logs in <paramref name="scratch"/>;
    /// the rewritten file gets about <paramref name="rewrittenFlows"/> flows (large enough for its
    /// import to be caught in the middle where that matters).
    /// </summary>
    public static async Task<BadInputCorpus> CreateAsync(string root, string scratch, int rewrittenFlows, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromMinutes(5);
        var small = await GenerateAsync(Path.Combine(scratch, "small"), Start, 19, 1, cancellationToken).ConfigureAwait(false);
        var large = await GenerateAsync(Path.Combine(scratch, "large"), Start + interval * 17, 1, rewrittenFlows / interval.TotalSeconds, cancellationToken).ConfigureAwait(false);

        var files = new List<CorpusFile>();
        async Task<CorpusFile> WriteAsync(int period, string kind, Outcome outcome, long rows, string? error, byte[] content)
        {
            var relative = Relative(small, period);
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, content, cancellationToken).ConfigureAwait(false);
            var file = new CorpusFile(kind, relative, outcome, rows, error);
            files.Add(file);
            return file;
        }

        for (var period = 0; period <= 16; period += 2)
        {
            await WriteAsync(period, "good", Outcome.Imported, small[period].Rows, null, small[period].Content).ConfigureAwait(false);
        }

        var (lastLine, truncated) = TruncateLastLine(small[1].Content);
        await WriteAsync(1, "truncated last line", Outcome.LinesSkipped, small[1].Rows - 1, $"{{path}}:{lastLine}: expected 130 fields, found \\d+", truncated).ConfigureAwait(false);
        await WriteAsync(3, "wrong column count", Outcome.Quarantined, 0, "{path}: \\d+ of \\d+ lines rejected, over the error budget.*{path}:2: expected 130 fields, found 129", DropLastColumn(small[3].Content)).ConfigureAwait(false);
        await WriteAsync(5, "header of another log kind", Outcome.Quarantined, 0, "{path}:2: the header is of a tstat log, but \"public\"\\.\"\\w+\" holds log_tcp_complete logs", UdpLog()).ConfigureAwait(false);
        await WriteAsync(7, "bytes not UTF-8", Outcome.LinesSkipped, small[7].Rows - 1, $"{{path}}:{BadLine}: field fqdn: ", NotUtf8(small[7].Content)).ConfigureAwait(false);
        await WriteAsync(9, "binary garbage", Outcome.Quarantined, 0, "{path}:1: cannot recognise the format", Garbage()).ConfigureAwait(false);
        await WriteAsync(11, "a 10 MB line", Outcome.LinesSkipped, small[11].Rows, $"{{path}}:{BadLine}: line longer than 4194304 bytes; skipped", LongLine(small[11].Content)).ConfigureAwait(false);
        await WriteAsync(13, "empty file", Outcome.Quarantined, 0, "{path}: the file is empty \\(0 bytes, no header line\\)", []).ConfigureAwait(false);
        await WriteAsync(15, "truncated gzip", Outcome.Quarantined, 0, "{path}: the input is corrupt or truncated after \\d+ decompressed bytes \\(line \\d+\\)", TruncatedGzip(small[15].Content)).ConfigureAwait(false);

        // Rewritten while read: its content grows by its first 500 rows again (a rewrite that appends).
        var original = large[0].Content;
        var appended = Lines(original).Skip(1).Take(500).ToList();
        var after = Concat(original, Encoding.ASCII.GetBytes(string.Join('\n', appended) + "\n"));
        var rewrittenPath = Path.Combine(root, Relative(small, 17));
        Directory.CreateDirectory(Path.GetDirectoryName(rewrittenPath)!);
        await File.WriteAllBytesAsync(rewrittenPath, original, cancellationToken).ConfigureAwait(false);
        var rewritten = new CorpusFile("rewritten while read", Relative(small, 17), Outcome.RetriedThenImported, large[0].Rows + appended.Count);

        var ordered = files.OrderBy(f => f.RelativePath, StringComparer.Ordinal).Append(rewritten).ToList();
        var later = new CorpusFile("good, later", Relative(small, 18), Outcome.Imported, small[18].Rows);
        return new BadInputCorpus(root, ordered, rewritten, after, later, small[18].Content);
    }

    private static string Relative(IReadOnlyList<Generated> generated, int period) => generated[period].Relative;

    private static async Task<IReadOnlyList<Generated>> GenerateAsync(string folder, DateTimeOffset start, int periods, double rate, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromMinutes(5);
        var summary = await new TstatLogGenerator().GenerateAsync(
            new TstatGeneratorOptions { OutputDirectory = folder, Start = start, Duration = interval * periods, Interval = interval, Rate = rate, Seed = 10 },
            null,
            cancellationToken).ConfigureAwait(false);
        var result = new List<Generated>();
        foreach (var file in summary.Files.OrderBy(f => f.PeriodStart))
        {
            var relative = Path.GetRelativePath(folder, file.Path).Replace(Path.DirectorySeparatorChar, '/');
            result.Add(new Generated(relative, await File.ReadAllBytesAsync(file.Path, cancellationToken).ConfigureAwait(false), file.Flows));
        }

        return result;
    }

    /// <summary>The file cut 100 bytes before its end, mid-line; returns the cut line's number too.</summary>
    private static (int Line, byte[] Content) TruncateLastLine(byte[] content)
    {
        var cut = content[..^100];
        var lines = Lines(cut).ToList();
        if (lines[^1].Split(' ').Length == 130)
        {
            throw new InvalidOperationException("the cut left a whole line: choose another cut");
        }

        return (lines.Count, cut);
    }

    /// <summary>Every row one column short (a writer of another version): too many bad lines, the whole file refused.</summary>
    private static byte[] DropLastColumn(byte[] content) =>
        Encoding.ASCII.GetBytes(string.Join('\n', Lines(content).Select((line, i) => i == 0 ? line : line[..line.LastIndexOf(' ')])) + "\n");

    /// <summary>A UDP log (Tstat's <c>log_udp_complete</c> columns), headed as such.</summary>
    private static byte[] UdpLog()
    {
        var text = new StringBuilder("#c_ip:1 c_port:2 c_first_abs:3 c_durat:4 c_bytes_all:5 c_pkts_all:6 c_isint:7 c_iscrypto:8 c_type:9 s_ip:10 s_port:11 s_first_abs:12 s_durat:13 s_bytes_all:14 s_pkts_all:15 s_isint:16 s_iscrypto:17 s_type:18 fqdn:19\n");
        for (var i = 0; i < 50; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"10.0.0.{i + 1} {40000 + i} 1425076200{i:000}.5 1.5 120 2 1 0 0 8.8.8.8 53 1425076200{i:000}.6 1.2 300 2 0 0 0 -\n");
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>The <c>fqdn</c> of one row holds bytes that are not UTF-8.</summary>
    private static byte[] NotUtf8(byte[] content)
    {
        var lines = Lines(content).ToList();
        var fqdn = Array.FindIndex(lines[0].TrimStart('#').Split(' '), name => name.StartsWith("fqdn:", StringComparison.Ordinal));
        if (fqdn < 0)
        {
            throw new InvalidOperationException("the generated header has no fqdn column");
        }

        var fields = lines[BadLine - 1].Split(' ');
        var before = string.Join(' ', fields[..fqdn]) + " bad";
        var after = ".example " + string.Join(' ', fields[(fqdn + 1)..]);
        var bad = Concat(Encoding.ASCII.GetBytes(before), [0xFF, 0xFE, 0xC3], Encoding.ASCII.GetBytes(after));
        return Concat(
            Encoding.ASCII.GetBytes(string.Join('\n', lines.Take(BadLine - 1)) + "\n"),
            bad,
            Encoding.ASCII.GetBytes("\n" + string.Join('\n', lines.Skip(BadLine)) + "\n"));
    }

    /// <summary>64 KB of random bytes (a file of another program, a disk error).</summary>
    private static byte[] Garbage()
    {
        var bytes = new byte[64 * 1024];
        new Random(10).NextBytes(bytes);
        bytes[0] = 0; // no compression's magic number: garbage, not a corrupt archive
        return bytes;
    }

    /// <summary>A line of 10 MB (no separator) before the third row.</summary>
    private static byte[] LongLine(byte[] content)
    {
        var lines = Lines(content).ToList();
        return Concat(
            Encoding.ASCII.GetBytes(string.Join('\n', lines.Take(BadLine - 1)) + "\n"),
            Enumerable.Repeat((byte)'x', 10 << 20).ToArray(),
            Encoding.ASCII.GetBytes("\n" + string.Join('\n', lines.Skip(BadLine - 1)) + "\n"));
    }

    /// <summary>The file gzip-compressed, cut in the middle.</summary>
    private static byte[] TruncatedGzip(byte[] content)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return compressed.ToArray()[..(int)(compressed.Length / 2)];
    }

    private static IEnumerable<string> Lines(byte[] content) =>
        Encoding.ASCII.GetString(content).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>A generated file: its path in the layout, its bytes and its rows.</summary>
    private sealed record Generated(string Relative, byte[] Content, long Rows);
}
