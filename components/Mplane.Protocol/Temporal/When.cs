using Mplane.Protocol.Values;

namespace Mplane.Protocol.Temporal;

/// <summary>One end of a temporal scope: <c>now</c>, <c>past</c>, <c>future</c> or an instant.</summary>
public readonly record struct TimePoint(TimePointKind Kind, DateTimeOffset Instant = default)
{
    /// <summary><c>now</c>.</summary>
    public static TimePoint Now { get; } = new(TimePointKind.Now);

    /// <summary><c>past</c>: no start.</summary>
    public static TimePoint Past { get; } = new(TimePointKind.Past);

    /// <summary><c>future</c>: no end.</summary>
    public static TimePoint Future { get; } = new(TimePointKind.Future);

    /// <summary>An absolute instant.</summary>
    public static TimePoint At(DateTimeOffset instant) => new(TimePointKind.Absolute, instant.ToUniversalTime());

    /// <summary>Parses <c>now</c>, <c>past</c>, <c>future</c> or a time.</summary>
    public static TimePoint Parse(string text) => text switch
    {
        "now" => Now,
        "past" => Past,
        "future" => Future,
        _ => ValueCodec.ParseTime(text) is { } instant ? At(instant) : throw new FormatException($"'{text}' is not now, past, future or a time such as 2015-10-22 10:00:00"),
    };

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        TimePointKind.Now => "now",
        TimePointKind.Past => "past",
        TimePointKind.Future => "future",
        _ => ValueCodec.FormatTime(Instant),
    };

    /// <summary>The instant this point stands for at <paramref name="now"/>, or null for past and future.</summary>
    public DateTimeOffset? Resolve(DateTimeOffset now) => Kind switch
    {
        TimePointKind.Now => now,
        TimePointKind.Absolute => Instant,
        _ => null,
    };
}

/// <summary>The kinds of <see cref="TimePoint"/>.</summary>
public enum TimePointKind
{
    /// <summary>The current time when evaluated.</summary>
    Now,

    /// <summary>Unbounded towards the past.</summary>
    Past,

    /// <summary>Unbounded towards the future.</summary>
    Future,

    /// <summary>A given instant.</summary>
    Absolute,
}

/// <summary>
/// A temporal scope (<c>when</c>) in the forms the reference accepts for single scopes:
/// <c>A</c>, <c>A ... B</c>, <c>A + D</c>, each optionally followed by <c> / P</c> (a period),
/// written back with the reference's exact separators.
/// </summary>
/// <param name="Start">The start.</param>
/// <param name="End">The end, for a range.</param>
/// <param name="Duration">The duration, for <c>A + D</c>.</param>
/// <param name="Period">The period, if any.</param>
public sealed record When(TimePoint Start, TimePoint? End = null, TimeSpan? Duration = null, TimeSpan? Period = null)
{
    private const string RangeSeparator = " ... ";
    private const string DurationSeparator = " + ";
    private const string PeriodSeparator = " / ";

    /// <summary>Parses a single temporal scope; a trailing space, as the reference writes some, is tolerated.</summary>
    /// <exception cref="FormatException">The text is not a scope; the message says which part is wrong.</exception>
    public static When Parse(string text)
    {
        var scope = text.TrimEnd(' ');
        if (RepeatedWhen.IsRepeated(scope))
        {
            throw new FormatException($"'{text}' is a repeated scope (see {nameof(RepeatedWhen)}); a single scope is needed here");
        }

        TimeSpan? period = null;
        var slash = scope.IndexOf(PeriodSeparator, StringComparison.Ordinal);
        if (slash >= 0)
        {
            period = MplaneDuration.Parse(scope[(slash + PeriodSeparator.Length)..]);
            scope = scope[..slash];
        }

        var range = scope.IndexOf(RangeSeparator, StringComparison.Ordinal);
        var plus = scope.IndexOf(DurationSeparator, StringComparison.Ordinal);
        var when = range > 0 ? new When(TimePoint.Parse(scope[..range]), TimePoint.Parse(scope[(range + RangeSeparator.Length)..]), null, period)
            : plus > 0 ? new When(TimePoint.Parse(scope[..plus]), null, MplaneDuration.Parse(scope[(plus + DurationSeparator.Length)..]), period)
            : new When(TimePoint.Parse(scope), null, null, period);
        if (when.Start.Kind == TimePointKind.Future || (when.End ?? when.Start).Kind == TimePointKind.Past && when.End is not null)
        {
            throw new FormatException($"'{text}': a scope starts with now, past or a time and ends with now, future or a time");
        }

        if (when.Start.Kind == TimePointKind.Past && when.Duration is not null)
        {
            throw new FormatException($"'{text}': a duration needs a start (now or a time), not past");
        }

        return when;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var text = End is { } end ? $"{Start}{RangeSeparator}{end}"
            : Duration is { } duration ? $"{Start}{DurationSeparator}{MplaneDuration.Format(duration)}"
            : Start.ToString();
        return Period is { } period ? $"{text}{PeriodSeparator}{MplaneDuration.Format(period)}" : text;
    }

    /// <summary>
    /// The concrete start and end at <paramref name="now"/>: <c>past</c> gives no start, <c>future</c>
    /// no end, <c>A + D</c> ends D after its start, a single time ends where it starts.
    /// </summary>
    public (DateTimeOffset? Start, DateTimeOffset? End) Evaluate(DateTimeOffset now)
    {
        var start = Start.Resolve(now);
        var end = End is { } e ? e.Resolve(now)
            : Duration is { } d && start is { } s ? (s <= DateTimeOffset.MaxValue - d ? s + d : DateTimeOffset.MaxValue)
            : start;
        return (start, end);
    }

    /// <summary>
    /// Whether a specification with this scope follows a capability with scope <paramref name="capability"/>:
    /// its period is at least the capability's when the capability has one, and its start (or its end)
    /// lies within the capability's scope.
    /// </summary>
    public bool Follows(When capability, DateTimeOffset now)
    {
        if (capability.Period is { } required && (Period is not { } period || period < required))
        {
            return false;
        }

        var (start, end) = Evaluate(now);
        var (from, to) = capability.Evaluate(now);
        bool Inside(DateTimeOffset? t) =>
            t is { } instant && (from is null || instant >= from) && (to is null || instant <= to);
        // The start counts, or an absolute end (a computed end, A + D, does not: the reference's rule).
        return Inside(start) || (start is null && from is null) || (End is { Kind: TimePointKind.Absolute } && Inside(end));
    }
}
