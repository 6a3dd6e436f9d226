using System.Globalization;
using Mplane.LogFormats.Reading;
using Mplane.LogFormats.Scanning;
using Mplane.Testing;

namespace Mplane.Generators.Tests;

/// <summary>
/// The rows of generated log files, read through the project's reading layer (the one parser of log
/// lines), as dictionaries by column name; plus each line's field count, counted on single spaces.
/// </summary>
internal sealed class GeneratedLog
{
    private GeneratedLog(List<string[]> rows, List<int> fieldCounts, IReadOnlyDictionary<string, int> columns)
    {
        Rows = rows;
        FieldCounts = fieldCounts;
        Columns = columns;
    }

    public IReadOnlyDictionary<string, int> Columns { get; }

    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>Fields per line (separators + 1), header lines included.</summary>
    public IReadOnlyList<int> FieldCounts { get; }

    public static GeneratedLog ReadAll(string directory)
    {
        var rows = new List<string[]>();
        var counts = new List<int>();
        IReadOnlyDictionary<string, int>? columns = null;
        foreach (var file in InputFiles.Expand([directory], "log_tcp_complete"))
        {
            counts.AddRange(File.ReadLines(file).Select(line => line.Count(c => c == ' ') + 1));
            var problems = new List<ReadProblem>();
            using var reader = RecordReader.OpenFileAsync(file, new RecordReaderOptions { OnProblem = problems.Add }, TestTimeout.Token).GetAwaiter().GetResult();
            while (reader.ReadAsync(TestTimeout.Token).AsTask().GetAwaiter().GetResult())
            {
                var record = reader.Current;
                columns ??= record.Format.Fields.Select((f, i) => (f.Name, i)).ToDictionary(x => x.Name, x => x.i);
                rows.Add(Enumerable.Range(0, record.Format.FieldCount).Select(i => record.GetString(i) ?? string.Empty).ToArray());
            }

            Assert.Empty(problems);
        }

        return new GeneratedLog(rows, counts, columns ?? throw new InvalidOperationException($"no records under {directory}"));
    }

    /// <summary>A field's text; null fields ('-', empty) read as the empty string.</summary>
    public string Get(string[] row, string column) => row[Columns[column]];

    public double Number(string[] row, string column) => double.Parse(Get(row, column), CultureInfo.InvariantCulture);

    /// <summary>The flow's end (<c>last</c>) as a time.</summary>
    public DateTimeOffset End(string[] row) => DateTimeOffset.UnixEpoch.AddTicks((long)(Number(row, "last") * TimeSpan.TicksPerMillisecond));
}
