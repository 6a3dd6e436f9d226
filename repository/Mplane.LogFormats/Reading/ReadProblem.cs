namespace Mplane.LogFormats.Reading;

/// <summary>A line that was skipped, with where and why.</summary>
/// <param name="Source">The input's name (its path).</param>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Message">What is wrong, e.g. <c>expected 130 fields, found 129</c>.</param>
public sealed record ReadProblem(string Source, long Line, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Source}:{Line}: {Message}";
}

/// <summary>What a reader has seen so far.</summary>
public sealed class ReadStatistics
{
    /// <summary>Lines read, headers and skipped lines included.</summary>
    public long Lines { get; internal set; }

    /// <summary>Records delivered.</summary>
    public long Records { get; internal set; }

    /// <summary>Lines skipped as malformed.</summary>
    public long Malformed { get; internal set; }

    /// <summary>Bytes read after decompression.</summary>
    public long Bytes { get; internal set; }
}
