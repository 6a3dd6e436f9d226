namespace Mplane.Protocol.Temporal;

/// <summary>
/// A repeated temporal scope: <c>repeat OUTER / P</c> or <c>repeat OUTER cron CRON</c>, optionally
/// followed by an inner scope <c>{ now [+ D] [/ P] }</c> that each occurrence runs with. The reference
/// runs one sub-specification per occurrence, each with an absolute scope and a fresh token, and
/// answers an Envelope of their results. Written back as the reference writes it, with a trailing space.
/// </summary>
/// <param name="Outer">The scope the occurrences lie in; its period spaces them unless <paramref name="Cron"/> is given.</param>
/// <param name="Cron">When the occurrences fire, instead of a period.</param>
/// <param name="Inner">What each occurrence runs: its duration and period (its start is <c>now</c>, the occurrence).</param>
public sealed record RepeatedWhen(When Outer, CronSchedule? Cron, When? Inner)
{
    private const string Prefix = "repeat ";
    private const string CronSeparator = " cron ";
    private const string InnerOpen = " { ";
    private const string InnerClose = "}";

    /// <summary>Whether <paramref name="text"/> is a repeated scope.</summary>
    public static bool IsRepeated(string text) => text.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Parses a repeated scope; trailing spaces are tolerated.</summary>
    /// <exception cref="FormatException">The text is not a repeated scope; the message says which part is wrong.</exception>
    public static RepeatedWhen Parse(string text)
    {
        if (!IsRepeated(text))
        {
            throw new FormatException($"'{text}' is not a repeated scope (repeat ...)");
        }

        var rest = text[Prefix.Length..].TrimEnd(' ');
        When? inner = null;
        var open = rest.IndexOf(InnerOpen, StringComparison.Ordinal);
        if (open >= 0)
        {
            if (!rest.EndsWith(InnerClose, StringComparison.Ordinal))
            {
                throw new FormatException($"'{text}': the inner scope opened with '{{' is not closed with '}}'");
            }

            inner = When.Parse(rest[(open + InnerOpen.Length)..^InnerClose.Length].TrimEnd(' '));
            if (inner.Start.Kind != TimePointKind.Now || inner.End is not null)
            {
                throw new FormatException($"'{text}': the inner scope is 'now', 'now + D', optionally with '/ P'");
            }

            rest = rest[..open];
        }

        CronSchedule? cron = null;
        var cronAt = rest.IndexOf(CronSeparator, StringComparison.Ordinal);
        if (cronAt >= 0)
        {
            cron = CronSchedule.Parse(rest[(cronAt + CronSeparator.Length)..]);
            rest = rest[..cronAt];
        }

        var outer = When.Parse(rest);
        if (cron is null && outer.Period is not { } period)
        {
            throw new FormatException($"'{text}': the repeated scope needs a period (/ P) or a cron schedule");
        }

        if (cron is not null && outer.Period is not null)
        {
            throw new FormatException($"'{text}': a period and a cron schedule cannot be given together");
        }

        if (outer.Period is { } step && step <= TimeSpan.Zero)
        {
            throw new FormatException($"'{text}': the period must be longer than 0s");
        }

        // The reference drops an inner { now } that says nothing.
        return new RepeatedWhen(outer, cron, inner is { Duration: null, Period: null } ? null : inner);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Prefix}{Outer}{(Cron is null ? string.Empty : CronSeparator + Cron)}{(Inner is null ? string.Empty : InnerOpen + Inner + " " + InnerClose)} ";

    /// <summary>The scope each occurrence is checked and run with: the inner scope, or <c>now</c>.</summary>
    public When Each => Inner ?? new When(TimePoint.Now);

    /// <summary>The occurrences from <paramref name="now"/> on: the outer scope's period steps (or cron firings) within it.</summary>
    public IEnumerable<DateTimeOffset> Occurrences(DateTimeOffset now)
    {
        var (start, end) = Outer.Evaluate(now);
        var from = start is { } s && s > now ? s : now;
        var until = end is { } e && e != start ? e : DateTimeOffset.MaxValue;
        if (Cron is { } cron)
        {
            for (var next = cron.Next(from, until); next is { } at; next = at < until ? cron.Next(at.AddSeconds(1), until) : null)
            {
                yield return at;
            }

            yield break;
        }

        // Steps counted from the outer start, so that a scope that began earlier keeps its rhythm.
        var period = Outer.Period!.Value;
        var origin = start ?? now;
        var skipped = from > origin ? (long)Math.Ceiling((from - origin).Ticks / (double)period.Ticks) : 0;
        for (var at = origin + (period * skipped); at < until; at += period)
        {
            yield return at;
            if (until - at < period)
            {
                yield break;
            }
        }
    }

    /// <summary>The absolute scope of the occurrence at <paramref name="at"/>.</summary>
    public string OccurrenceWhen(DateTimeOffset at) => (Each with { Start = TimePoint.At(at) }).ToString();

    /// <summary>Whether this repeated scope follows a capability's: each occurrence's scope follows it, and the outer scope starts within it.</summary>
    public bool Follows(When capability, DateTimeOffset now) =>
        Each.Follows(capability, now) && (Outer with { Period = null }).Follows(capability with { Period = null }, now);
}
