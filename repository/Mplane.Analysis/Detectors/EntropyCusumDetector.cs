namespace Mplane.Analysis.Detectors;

/// <summary>
/// The entropy detector: the normalised entropy of the feature's distribution per bin, watched by two
/// one-sided CUSUMs over an EWMA of mean and variance (the mPlane CUSUM, upwards and downwards: a drop
/// means concentration, a rise dispersion). Unlike the original the sums start at 0 and the mean and
/// variance are learnt in an explicit training period. An alarmed bin does not update the state, up
/// to <see cref="EntropyCusumSettings.MaxExcluded"/> bins in a row. The state travels from bin to bin
/// in the records, so that a backfill and a live run compute the same alarms.
/// </summary>
public sealed class EntropyCusumDetector(EntropyCusumSettings settings)
{
    /// <summary>The detector's name in alarm records.</summary>
    public const string Name = "entropy_cusum";

    private readonly string _parameters = AnalysisJson.Write(settings);

    /// <summary>The detector's state between bins.</summary>
    /// <param name="Samples">Bins learnt from.</param>
    /// <param name="Mean">EWMA of the entropy.</param>
    /// <param name="Variance">EWMA of its variance.</param>
    /// <param name="Up">The upward sum.</param>
    /// <param name="Down">The downward sum.</param>
    /// <param name="Excluded">Consecutive alarmed bins not learnt from.</param>
    /// <param name="Last">The last learnt bin's distribution's shares of its top keys (for the drill-down).</param>
    public sealed record CusumState(long Samples, double Mean, double Variance, double Up, double Down, int Excluded, Dictionary<string, double>? Last);

    /// <summary>Normalised entropy: <c>H / ln(active keys)</c>, in [0, 1]; 0 for a single key.</summary>
    public static double Entropy(Distribution distribution)
    {
        if (distribution.Entities < 2)
        {
            return 0;
        }

        var h = 0.0;
        foreach (var key in distribution.Keys)
        {
            var p = distribution.Share(key);
            h -= p * Math.Log(p);
        }

        return h / Math.Log(distribution.Entities);
    }

    /// <summary>Evaluates the bin at <paramref name="start"/>, from the state after the previous bin (null: none yet).</summary>
    public AlarmRecord Evaluate(string feature, DateTimeOffset start, TimeSpan bin, Distribution? current, CusumState? previous)
    {
        var state = previous ?? new CusumState(0, 0, 0, 0, 0, 0, null);
        AlarmRecord Record(string status, CusumState next, double score = 0, bool alarm = false, long entities = 0, IReadOnlyList<Contributor>? top = null) =>
            new(start, (int)bin.TotalSeconds, feature, Name, score, settings.Threshold, alarm, status, entities, null, null, (int)Math.Min(next.Samples, int.MaxValue), top ?? [], _parameters,
                AnalysisJson.Write(next));

        if (current is null || current.Total < settings.MinFlows)
        {
            return Record(current is null ? DetectorStatus.NoData : DetectorStatus.InsufficientReference, state, entities: current?.Entities ?? 0);
        }

        var x = Entropy(current);
        var shares = Shares(current);
        if (state.Samples == 0)
        {
            return Record(DetectorStatus.Training, new CusumState(1, x, 0, 0, 0, 0, shares), entities: current.Entities);
        }

        var mean = settings.Alpha * state.Mean + (1 - settings.Alpha) * x;
        var variance = settings.Alpha * state.Variance + (1 - settings.Alpha) * (x - mean) * (x - mean);
        if (state.Samples < settings.Training)
        {
            return Record(DetectorStatus.Training, new CusumState(state.Samples + 1, mean, variance, 0, 0, 0, shares), entities: current.Entities);
        }

        // The sums compare x with the learnt mean and spread, in standard deviations.
        var std = Math.Max(Math.Sqrt(state.Variance), settings.MinStd);
        var up = Math.Max(0, state.Up + (x - state.Mean) / std - settings.Slack);
        var down = Math.Max(0, state.Down + (state.Mean - x) / std - settings.Slack);
        var score = Math.Max(up, down);
        var alarm = score > settings.Threshold;
        var top = Changes(shares, state.Last);
        if (alarm && state.Excluded < settings.MaxExcluded)
        {
            return Record(DetectorStatus.Ok, state with { Excluded = state.Excluded + 1 }, score, true, current.Entities, top);
        }

        // Learnt: a normal bin, or a lasting shift accepted as the new normal (the sums start again).
        var next = alarm
            ? new CusumState(state.Samples + 1, x, state.Variance, 0, 0, 0, shares)
            : new CusumState(state.Samples + 1, mean, variance, up, down, 0, shares);
        return Record(DetectorStatus.Ok, next, score, alarm, current.Entities, top);
    }

    /// <summary>The shares of the distribution's 50 largest keys (what the drill-down compares).</summary>
    private static Dictionary<string, double> Shares(Distribution distribution) =>
        distribution.Keys.OrderByDescending(distribution.Share).ThenBy(k => k, StringComparer.Ordinal).Take(50)
            .ToDictionary(k => k, k => Math.Round(distribution.Share(k), 6), StringComparer.Ordinal);

    /// <summary>The keys whose share changed most since the last learnt bin.</summary>
    private static IReadOnlyList<Contributor> Changes(Dictionary<string, double> now, Dictionary<string, double>? before) =>
        before is null
            ? []
            : [.. now.Keys.Union(before.Keys)
                .Select(k => new Contributor(k, Math.Round(Math.Abs(now.GetValueOrDefault(k) - before.GetValueOrDefault(k)), 6), now.GetValueOrDefault(k), before.GetValueOrDefault(k)))
                .OrderByDescending(c => c.Contribution).ThenBy(c => c.Key, StringComparer.Ordinal).Take(5)];
}
