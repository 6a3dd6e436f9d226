namespace Mplane.Host.Dashboard;

/// <summary>
/// The time a plot covers, [<see cref="From"/>, <see cref="To"/>), and the step between its points: the
/// table's window while the range holds few enough windows, else the smallest multiple of it that
/// keeps the points within the limit, so that a year of 5-minute bins is still a small answer.
/// Steps are aligned to the Unix epoch as the windows are, so a point never straddles two windows.
/// </summary>
/// <param name="From">The first instant covered.</param>
/// <param name="To">The end of the range (excluded).</param>
/// <param name="Step">The length of one point's bucket, a multiple of the table's window.</param>
internal readonly record struct PlotRange(DateTimeOffset From, DateTimeOffset To, TimeSpan Step)
{
    /// <summary>How far back a plot reaches when the request names no start: a day before its end.</summary>
    public static readonly TimeSpan DefaultSpan = TimeSpan.FromDays(1);

    /// <summary>
    /// The range for a request: a missing end is the end of the table's data (or now, without data),
    /// a missing start a day before the end (or the table's first data, when that is later): the page
    /// opened without a range shows the newest data, even when the newest data is old.
    /// </summary>
    /// <exception cref="BadParameterException">The end is not after the start.</exception>
    public static PlotRange Resolve(DateTimeOffset? from, DateTimeOffset? to, PlottableTable table, int maxPoints, DateTimeOffset now)
    {
        var end = to ?? table.Last ?? now;
        var start = from ?? (table.First is { } first && first < end && first > end - DefaultSpan ? first : end - DefaultSpan);
        if (end <= start)
        {
            throw new BadParameterException("to", $"{end:O} is not after from ({start:O})");
        }

        return new PlotRange(start, end, StepFor(start, end, table.Window, maxPoints));
    }

    /// <summary>The smallest multiple of <paramref name="window"/> whose buckets over the range number at most <paramref name="maxPoints"/>.</summary>
    public static TimeSpan StepFor(DateTimeOffset from, DateTimeOffset to, TimeSpan window, int maxPoints)
    {
        var windows = (to - from).Ticks / window.Ticks + 1;
        var multiple = System.Math.Max(1, (windows + maxPoints - 1) / maxPoints);
        while (Buckets(from, to, TimeSpan.FromTicks(window.Ticks * multiple)) > maxPoints)
        {
            multiple++; // the range's ends rarely fall on bucket boundaries: one more bucket at most
        }

        return TimeSpan.FromTicks(window.Ticks * multiple);
    }

    /// <summary>How many epoch-aligned buckets of <paramref name="step"/> the range touches.</summary>
    public static long Buckets(DateTimeOffset from, DateTimeOffset to, TimeSpan step) =>
        FloorDiv((to - DateTimeOffset.UnixEpoch).Ticks - 1, step.Ticks) - FloorDiv((from - DateTimeOffset.UnixEpoch).Ticks, step.Ticks) + 1;

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
