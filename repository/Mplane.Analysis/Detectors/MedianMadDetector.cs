namespace Mplane.Analysis.Detectors;

/// <summary>
/// The count detector: a robust baseline (median and MAD) over the same time of day on earlier days
/// and the bins just before, excluding flagged bins, on the log scale <c>ln(1 + x)</c>; the score is the
/// robust z-score <c>(x − median) / (1.4826 · MAD)</c>, an alarm beyond K either way (a flood or an outage).
/// </summary>
public sealed class MedianMadDetector(MedianMadSettings settings)
{
    /// <summary>The detector's name in alarm records.</summary>
    public const string Name = "median_mad";

    private readonly References _references = new(settings.Days, settings.Preceding);
    private readonly string _parameters = AnalysisJson.Write(settings);

    /// <summary>Evaluates the bin at <paramref name="start"/> of the count <paramref name="feature"/>; flags it in <paramref name="history"/> when it is an alarm.</summary>
    public AlarmRecord Evaluate(string feature, DateTimeOffset start, TimeSpan bin, CountHistory history, double? k = null)
    {
        var threshold = k ?? settings.K;
        AlarmRecord Record(string status, double score = 0, bool alarm = false, double value = 0, IReadOnlyList<DateTimeOffset>? references = null, IReadOnlyList<Contributor>? top = null) =>
            new(start, (int)bin.TotalSeconds, feature, Name, score, threshold, alarm, status, (long)value,
                references is { Count: > 0 } ? references.Min() : null, references is { Count: > 0 } ? references.Max() + bin : null, references?.Count ?? 0, top ?? [], _parameters);

        if (history.At(start) is not { } x)
        {
            return Record(DetectorStatus.NoData);
        }

        var used = _references.Candidates(start, bin).Where(t => !history.IsFlagged(t) && history.At(t) is not null).ToList();
        if (used.Count < settings.MinHistory)
        {
            return Record(DetectorStatus.InsufficientReference, value: x);
        }

        var values = used.Select(t => Math.Log(1 + history.At(t)!.Value)).ToList();
        var median = Median(values);
        var mad = Math.Max(Median([.. values.Select(v => Math.Abs(v - median))]), settings.MadFloor);
        var z = (Math.Log(1 + x) - median) / (1.4826 * mad);
        var alarm = Math.Abs(z) > threshold;
        if (alarm)
        {
            history.Flag(start);
        }

        return Record(DetectorStatus.Ok, Math.Abs(z), alarm, x, used, [new Contributor(feature, Math.Round(z, 6), x, Math.Round(Math.Exp(median) - 1, 3))]);
    }

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
