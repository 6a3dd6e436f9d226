namespace Mplane.Analysis;

/// <summary>
/// One bin's empirical distribution of a feature: a weight (flows) per key (a port, a /24, a size
/// class...), with the number of entities it was computed from. Missing data is not an empty
/// distribution: a bin without input has no <see cref="Distribution"/> at all.
/// </summary>
public sealed class Distribution
{
    private readonly Dictionary<string, double> _weights;

    /// <summary>A distribution of <paramref name="weights"/> (non-negative; zeros are dropped).</summary>
    public Distribution(IEnumerable<KeyValuePair<string, double>> weights)
    {
        _weights = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, weight) in weights)
        {
            if (weight < 0 || double.IsNaN(weight))
            {
                throw new ArgumentException($"the weight of '{key}' is {weight}: weights are counts", nameof(weights));
            }

            if (weight > 0)
            {
                _weights[key] = _weights.GetValueOrDefault(key) + weight;
            }
        }

        Total = _weights.Values.Sum();
    }

    /// <summary>The sum of the weights (flows in the bin).</summary>
    public double Total { get; }

    /// <summary>The number of keys with weight (entities: distinct ports, /24s...).</summary>
    public int Entities => _weights.Count;

    /// <summary>The keys with weight.</summary>
    public IEnumerable<string> Keys => _weights.Keys;

    /// <summary>The share of <paramref name="key"/> (0 when absent or when the distribution is empty).</summary>
    public double Share(string key) => Total > 0 && _weights.TryGetValue(key, out var w) ? w / Total : 0;

    /// <summary>The weight of <paramref name="key"/>.</summary>
    public double Weight(string key) => _weights.GetValueOrDefault(key);

    /// <summary>The average of <paramref name="distributions"/> (each normalised first, so each counts the same).</summary>
    public static Distribution Mean(IReadOnlyList<Distribution> distributions)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var d in distributions)
        {
            foreach (var key in d.Keys)
            {
                sums[key] = sums.GetValueOrDefault(key) + d.Share(key) / distributions.Count;
            }
        }

        return new Distribution(sums);
    }
}
