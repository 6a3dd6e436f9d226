namespace Mplane.Analysis;

/// <summary>Where reference bins are drawn from: the same time of day on earlier days, and the bins just before.</summary>
/// <param name="Days">Earlier days looked at (W), each at the same time of day, ±1 bin.</param>
/// <param name="Preceding">Bins just before the current one (R): trend and slow drift.</param>
public sealed record References(int Days, int Preceding)
{
    /// <summary>The candidate bins for the bin at <paramref name="start"/>, most recent first, without repeats.</summary>
    public IEnumerable<DateTimeOffset> Candidates(DateTimeOffset start, TimeSpan bin)
    {
        var seen = new HashSet<DateTimeOffset>();
        for (var i = 1; i <= Preceding; i++)
        {
            if (seen.Add(start - (bin * i)))
            {
                yield return start - (bin * i);
            }
        }

        for (var day = 1; day <= Days; day++)
        {
            var same = start - TimeSpan.FromDays(day);
            foreach (var candidate in new[] { same, same - bin, same + bin })
            {
                if (candidate < start && seen.Add(candidate))
                {
                    yield return candidate;
                }
            }
        }
    }

    /// <summary>The earliest bin any candidate can be.</summary>
    public DateTimeOffset Earliest(DateTimeOffset start, TimeSpan bin)
    {
        var sameTimeOfDay = Days > 0 ? TimeSpan.FromDays(Days) + bin : TimeSpan.Zero;
        var preceding = bin * Preceding;
        return start - (sameTimeOfDay > preceding ? sameTimeOfDay : preceding);
    }
}
