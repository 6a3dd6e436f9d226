using System.Globalization;

namespace Mplane.Generators.Tests;

/// <summary>
/// The rows of generated log files as plain string arrays, split on single spaces as the format
/// demands, with columns found by the header's names. Test-side only: it checks the files
/// independently of the project's reading layer.
/// </summary>
internal sealed class GeneratedLog
{
    private GeneratedLog(string[] header, List<string[]> rows, List<int> fieldCounts)
    {
        Columns = header.Select((h, i) => (Name: h[..h.LastIndexOf(':')], Index: i)).ToDictionary(c => c.Name, c => c.Index);
        Rows = rows;
        FieldCounts = fieldCounts;
    }

    public IReadOnlyDictionary<string, int> Columns { get; }

    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>Fields per line, header first.</summary>
    public IReadOnlyList<int> FieldCounts { get; }

    public static GeneratedLog ReadAll(string directory)
    {
        string[]? header = null;
        var rows = new List<string[]>();
        var counts = new List<int>();
        foreach (var file in Directory.EnumerateFiles(directory, "log_tcp_complete", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(file);
            var first = reader.ReadLine()!;
            var names = first[(first.LastIndexOf('#') + 1)..].Split(' ');
            header ??= names;
            counts.Add(names.Length);
            while (reader.ReadLine() is { } line)
            {
                var fields = line.Split(' ');
                counts.Add(fields.Length);
                rows.Add(fields);
            }
        }

        return new GeneratedLog(header ?? throw new InvalidOperationException($"no log_tcp_complete under {directory}"), rows, counts);
    }

    public string Get(string[] row, string column) => row[Columns[column]];

    public double Number(string[] row, string column) => double.Parse(Get(row, column), CultureInfo.InvariantCulture);

    /// <summary>The flow's end (<c>last</c>) as a time.</summary>
    public DateTimeOffset End(string[] row) => DateTimeOffset.UnixEpoch.AddTicks((long)(Number(row, "last") * TimeSpan.TicksPerMillisecond));
}
