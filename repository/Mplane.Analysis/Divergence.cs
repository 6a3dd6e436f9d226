namespace Mplane.Analysis;

/// <summary>
/// The symmetrized Kullback-Leibler distance between two distributions over the same bins, smoothed
/// so that empty bins do not make it infinite: <c>p'_i = (p_i + ε) / (1 + Bε)</c>,
/// <c>D(p, q) = ½ (KL(p'‖q') + KL(q'‖p'))</c>, divided by <c>ln B</c> so that features with different
/// numbers of bins share one scale. The bins are fixed by the caller (<see cref="Binning"/>): the
/// same for every distribution compared, or distances mean nothing.
/// </summary>
public static class Divergence
{
    /// <summary>The smoothing constant.</summary>
    public const double Epsilon = 1e-6;

    /// <summary>The normalised symmetric distance of <paramref name="p"/> and <paramref name="q"/> over <paramref name="bins"/>.</summary>
    public static double Symmetric(Distribution p, Distribution q, Binning bins)
    {
        var sum = 0.0;
        foreach (var (pi, qi) in Pairs(p, q, bins))
        {
            sum += (pi - qi) * Math.Log(pi / qi); // KL(p‖q) + KL(q‖p), term by term: never negative
        }

        return 0.5 * sum / Normaliser(bins);
    }

    /// <summary>
    /// Each bin's part of the distance of <paramref name="current"/> from <paramref name="reference"/>,
    /// largest first: the keys whose share changed most (a port that appeared, a /24 that went silent).
    /// </summary>
    public static IReadOnlyList<(string Key, double Contribution, double Share, double ReferenceShare)> Contributions(
        Distribution current, Distribution reference, Binning bins, int top)
    {
        var normaliser = Normaliser(bins);
        return bins.Keys
            .Select((key, i) =>
            {
                var (pi, qi) = Smoothed(bins.Share(current, i), bins.Share(reference, i), bins.Count);
                return (Key: key, Contribution: 0.5 * (pi - qi) * Math.Log(pi / qi) / normaliser, Share: bins.Share(current, i), ReferenceShare: bins.Share(reference, i));
            })
            .OrderByDescending(c => c.Contribution)
            .ThenBy(c => c.Key, StringComparer.Ordinal)
            .Take(top)
            .ToList();
    }

    private static IEnumerable<(double P, double Q)> Pairs(Distribution p, Distribution q, Binning bins)
    {
        for (var i = 0; i < bins.Count; i++)
        {
            yield return Smoothed(bins.Share(p, i), bins.Share(q, i), bins.Count);
        }
    }

    private static (double P, double Q) Smoothed(double p, double q, int count) =>
        ((p + Epsilon) / (1 + count * Epsilon), (q + Epsilon) / (1 + count * Epsilon));

    private static double Normaliser(Binning bins) => bins.Count > 1 ? Math.Log(bins.Count) : 1;
}
