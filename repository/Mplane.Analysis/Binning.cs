namespace Mplane.Analysis;

/// <summary>
/// The fixed bins over which a feature's distributions are compared: the <c>top</c> keys by mean
/// share over every distribution of one comparison (the current bin and its references), plus one
/// "other" bin holding the rest, so that the current bin and all its references are measured on the
/// same bins.
/// </summary>
public sealed class Binning
{
    /// <summary>The bin holding every key not among the top ones.</summary>
    public const string Other = "(other)";

    private readonly Dictionary<string, int> _index;

    private Binning(IReadOnlyList<string> keys)
    {
        Keys = keys;
        _index = keys.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => x.i, StringComparer.Ordinal);
    }

    /// <summary>The bins' keys; the last is <see cref="Other"/>.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>The number of bins.</summary>
    public int Count => Keys.Count;

    /// <summary>The bins for comparing <paramref name="distributions"/>: their <paramref name="top"/> keys by mean share, and "other".</summary>
    public static Binning Of(IReadOnlyList<Distribution> distributions, int top)
    {
        var mean = Distribution.Mean(distributions);
        var keys = mean.Keys
            .OrderByDescending(mean.Share)
            .ThenBy(k => k, StringComparer.Ordinal)
            .Take(top)
            .Order(StringComparer.Ordinal)
            .Append(Other)
            .ToList();
        return new Binning(keys);
    }

    /// <summary>The share of <paramref name="distribution"/> in bin <paramref name="index"/> (the "other" bin sums every key not listed).</summary>
    public double Share(Distribution distribution, int index)
    {
        if (index < Count - 1)
        {
            return distribution.Share(Keys[index]);
        }

        var listed = 0.0;
        for (var i = 0; i < Count - 1; i++)
        {
            listed += distribution.Share(Keys[i]);
        }

        return Math.Max(0, (distribution.Total > 0 ? 1 : 0) - listed);
    }

    /// <summary>Whether <paramref name="key"/> has its own bin.</summary>
    public bool Contains(string key) => _index.ContainsKey(key);
}
