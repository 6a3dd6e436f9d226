using System.Text.Json;

namespace Mplane.Analysis.Detectors;

/// <summary>
/// The distribution detector in the style of ADTool: the current bin's distribution against a
/// reference set of earlier bins (same time of day on earlier days, and the bins just before),
/// chosen as the candidates most consistent with each other (choosing by closeness to the current bin
/// would hide the anomaly). Score: the mean normalised symmetric KL distance to the references;
/// threshold: a high percentile of the references' distances among themselves, times γ; flagged bins
/// never serve as references again. The drill-down names the keys that moved most against the
/// references' average.
/// </summary>
public sealed class KlRefsetDetector(KlRefsetSettings settings)
{
    /// <summary>The detector's name in alarm records.</summary>
    public const string Name = "kl_refset";

    private readonly References _references = new(settings.Days, settings.Preceding);
    private readonly string _parameters = AnalysisJson.Write(settings);

    /// <summary>Evaluates the bin at <paramref name="start"/> of <paramref name="feature"/>; flags it in <paramref name="history"/> when it is an alarm.</summary>
    public AlarmRecord Evaluate(string feature, DateTimeOffset start, TimeSpan bin, FeatureHistory history)
    {
        AlarmRecord Record(string status, double score = 0, double threshold = 0, bool alarm = false, long entities = 0, IReadOnlyList<DateTimeOffset>? references = null, IReadOnlyList<Contributor>? top = null) =>
            new(start, (int)bin.TotalSeconds, feature, Name, score, threshold, alarm, status, entities,
                references is { Count: > 0 } ? references.Min() : null, references is { Count: > 0 } ? references.Max() + bin : null, references?.Count ?? 0, top ?? [], _parameters);

        if (history.At(start) is not { } current)
        {
            return Record(DetectorStatus.NoData);
        }

        var candidates = _references.Candidates(start, bin)
            .Where(t => !history.IsFlagged(t))
            .Select(t => (Start: t, Distribution: history.At(t)))
            .Where(c => c.Distribution is { } d && d.Total >= settings.MinFlows)
            .Select(c => (c.Start, Distribution: c.Distribution!))
            .ToList();
        if (candidates.Count < settings.MinReferences || current.Total < settings.MinFlows)
        {
            return Record(DetectorStatus.InsufficientReference, entities: current.Entities);
        }

        var binning = Binning.Of([current, .. candidates.Select(c => c.Distribution)], settings.Top);
        var chosen = MostConsistent(candidates, binning);
        var spread = chosen.Select(r => chosen.Where(o => o.Start != r.Start).Average(o => Divergence.Symmetric(r.Distribution, o.Distribution, binning))).ToList();
        var threshold = Math.Max(settings.MinThreshold, Percentile(spread, settings.Percentile) * settings.Gamma);
        var score = chosen.Average(r => Divergence.Symmetric(current, r.Distribution, binning));
        var alarm = score > threshold;
        if (alarm)
        {
            history.Flag(start);
        }

        var reference = Distribution.Mean([.. chosen.Select(r => r.Distribution)]);
        var top = Divergence.Contributions(current, reference, binning, 5)
            .Select(c => new Contributor(c.Key, Round(c.Contribution), Round(c.Share), Round(c.ReferenceShare)))
            .ToList();
        return Record(DetectorStatus.Ok, score, threshold, alarm, current.Entities, [.. chosen.Select(c => c.Start)], top);
    }

    /// <summary>The <see cref="KlRefsetSettings.ReferenceSize"/> candidates with the smallest mean distance to the other candidates.</summary>
    private List<(DateTimeOffset Start, Distribution Distribution)> MostConsistent(List<(DateTimeOffset Start, Distribution Distribution)> candidates, Binning binning)
    {
        if (candidates.Count <= settings.ReferenceSize)
        {
            return candidates;
        }

        var distance = new double[candidates.Count, candidates.Count];
        for (var i = 0; i < candidates.Count; i++)
        {
            for (var j = i + 1; j < candidates.Count; j++)
            {
                distance[i, j] = distance[j, i] = Divergence.Symmetric(candidates[i].Distribution, candidates[j].Distribution, binning);
            }
        }

        return candidates
            .Select((c, i) => (Candidate: c, Mean: Enumerable.Range(0, candidates.Count).Where(j => j != i).Average(j => distance[i, j])))
            .OrderBy(x => x.Mean)
            .ThenByDescending(x => x.Candidate.Start) // ties: the more recent
            .Take(settings.ReferenceSize)
            .Select(x => x.Candidate)
            .ToList();
    }

    /// <summary>The <paramref name="percentile"/>th percentile (linear interpolation between closest ranks).</summary>
    internal static double Percentile(IReadOnlyList<double> values, double percentile)
    {
        var sorted = values.Order().ToList();
        var rank = percentile / 100 * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    private static double Round(double value) => Math.Round(value, 6, MidpointRounding.ToEven);
}
