namespace Mplane.Analysis;

/// <summary>
/// What the detectors see of one feature: its distribution in every bin that has data, and the bins
/// an earlier evaluation flagged (they never serve as references again).
/// </summary>
public sealed class FeatureHistory(IReadOnlyDictionary<DateTimeOffset, Distribution> bins, ISet<DateTimeOffset> flagged)
{
    /// <summary>The distribution of the bin at <paramref name="start"/>, or null when it has no data.</summary>
    public Distribution? At(DateTimeOffset start) => bins.TryGetValue(start, out var d) ? d : null;

    /// <summary>Whether the bin at <paramref name="start"/> was flagged as anomalous.</summary>
    public bool IsFlagged(DateTimeOffset start) => flagged.Contains(start);

    /// <summary>Marks the bin at <paramref name="start"/> as anomalous.</summary>
    public void Flag(DateTimeOffset start) => flagged.Add(start);
}

/// <summary>A count per bin (flows, bytes, distinct clients), with the bins flagged as anomalous.</summary>
public sealed class CountHistory(IReadOnlyDictionary<DateTimeOffset, double> bins, ISet<DateTimeOffset> flagged)
{
    /// <summary>The count of the bin at <paramref name="start"/>, or null when it has no data.</summary>
    public double? At(DateTimeOffset start) => bins.TryGetValue(start, out var v) ? v : null;

    /// <summary>Whether the bin at <paramref name="start"/> was flagged as anomalous.</summary>
    public bool IsFlagged(DateTimeOffset start) => flagged.Contains(start);

    /// <summary>Marks the bin at <paramref name="start"/> as anomalous.</summary>
    public void Flag(DateTimeOffset start) => flagged.Add(start);
}
