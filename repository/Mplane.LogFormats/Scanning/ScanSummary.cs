namespace Mplane.LogFormats.Scanning;

/// <summary>What a scan read and found.</summary>
public sealed class ScanSummary
{
    /// <summary>Inputs read.</summary>
    public int Files { get; set; }

    /// <summary>Records read (lines that fit their format).</summary>
    public long Records { get; set; }

    /// <summary>Records that matched the filter.</summary>
    public long Matched { get; set; }

    /// <summary>Lines skipped as malformed.</summary>
    public long Malformed { get; set; }

    /// <summary>Decompressed bytes read.</summary>
    public long Bytes { get; set; }

    /// <summary>With grouping: the number of matching records per value (null values under <c>-</c>).</summary>
    public Dictionary<string, long> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds another (partial) summary to this one.</summary>
    public void Add(ScanSummary other)
    {
        Files += other.Files;
        Records += other.Records;
        Matched += other.Matched;
        Malformed += other.Malformed;
        Bytes += other.Bytes;
        foreach (var (key, count) in other.Groups)
        {
            Groups[key] = Groups.GetValueOrDefault(key) + count;
        }
    }
}
