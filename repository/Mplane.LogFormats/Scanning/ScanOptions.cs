namespace Mplane.LogFormats.Scanning;

/// <summary>How records are written by <c>scan</c>.</summary>
public enum OutputFormat
{
    /// <summary>Fields as in the log, separated by one space; null as <c>-</c>.</summary>
    Text,
    /// <summary>RFC 4180 CSV with a header row; null as an empty field.</summary>
    Csv,
    /// <summary>Tab-separated with a header row; null as an empty field.</summary>
    Tsv,
    /// <summary>One JSON object per line, numbers as numbers, null as null.</summary>
    Json,
}

/// <summary>What a scan does with the records of its inputs.</summary>
public sealed record ScanOptions
{
    /// <summary>The method to read with; null to recognise each input's method.</summary>
    public IRecordMethod? Method { get; init; }

    /// <summary>A filter expression; null keeps every record.</summary>
    public string? Where { get; init; }

    /// <summary>Fields to output; null for all of the format's fields.</summary>
    public IReadOnlyList<string>? Select { get; init; }

    /// <summary>Count matching records per value of this field instead of writing records.</summary>
    public string? GroupBy { get; init; }

    /// <summary>With <see cref="GroupBy"/>: how many of the most frequent values to report.</summary>
    public int Top { get; init; } = 10;

    /// <summary>Only count matching records.</summary>
    public bool CountOnly { get; init; }

    /// <summary>The output format of records and groups.</summary>
    public OutputFormat OutputFormat { get; init; } = OutputFormat.Text;

    /// <summary>Files read at once when nothing is written per record (counting, grouping).</summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>Whether records are written (rather than only counted).</summary>
    public bool WritesRecords => !CountOnly && GroupBy is null;
}
