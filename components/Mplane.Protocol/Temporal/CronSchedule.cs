using System.Globalization;

namespace Mplane.Protocol.Temporal;

/// <summary>
/// The cron part of a repeated scope, as the reference reads it: six fields, <c>second minute hour
/// day-of-month day-of-week month</c> (day-of-week 0 = Sunday), each <c>*</c> or a comma-separated
/// list of numbers and <c>a-b</c> ranges. Unlike the reference, <c>*</c> in the hour field means
/// 0-23 (the reference expands it to 0-59), and it is written back as given.
/// </summary>
public sealed class CronSchedule
{
    private static readonly (string Name, int Low, int High)[] Fields =
        [("second", 0, 59), ("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("day of week", 0, 6), ("month", 1, 12)];

    private readonly bool[][] _allowed;
    private readonly string _text;

    private CronSchedule(bool[][] allowed, string text)
    {
        _allowed = allowed;
        _text = text;
    }

    /// <summary>Parses the six fields.</summary>
    /// <exception cref="FormatException">A field is missing, malformed or out of its range; the message names it.</exception>
    public static CronSchedule Parse(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != Fields.Length)
        {
            throw new FormatException($"cron '{text}': six fields are needed (second minute hour day-of-month day-of-week month), not {parts.Length}");
        }

        var allowed = new bool[Fields.Length][];
        for (var f = 0; f < Fields.Length; f++)
        {
            var (name, low, high) = Fields[f];
            allowed[f] = new bool[high + 1];
            foreach (var item in parts[f] == "*" ? [$"{low}-{high}"] : parts[f].Split(','))
            {
                var dash = item.IndexOf('-', StringComparison.Ordinal);
                var (from, to) = dash < 0 ? (Number(item), Number(item)) : (Number(item[..dash]), Number(item[(dash + 1)..]));
                if (from is not { } a || to is not { } b || a < low || b > high || a > b)
                {
                    throw new FormatException($"cron '{text}': the {name} field '{parts[f]}' must be *, numbers or ranges within {low}-{high}");
                }

                for (var v = a; v <= b; v++)
                {
                    allowed[f][v] = true;
                }
            }
        }

        return new CronSchedule(allowed, string.Join(' ', parts));
    }

    /// <summary>Whether the schedule fires at <paramref name="time"/> (UTC, to the second).</summary>
    public bool Matches(DateTimeOffset time)
    {
        var t = time.UtcDateTime;
        return _allowed[0][t.Second] && _allowed[1][t.Minute] && _allowed[2][t.Hour] && DayMatches(t);
    }

    /// <summary>How far ahead a firing is looked for: a schedule that never fires (31 February) must not be searched until year 9999.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(5 * 366);

    /// <summary>The first firing at or after <paramref name="from"/> (rounded up to a whole second), or null if none before <paramref name="until"/> or within <see cref="Horizon"/>.</summary>
    public DateTimeOffset? Next(DateTimeOffset from, DateTimeOffset until)
    {
        if (from > DateTimeOffset.MaxValue - Horizon - TimeSpan.FromDays(1))
        {
            return null;
        }

        if (until > from + Horizon)
        {
            until = from + Horizon;
        }

        var t = new DateTime(from.UtcTicks - (from.UtcTicks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        if (t < from.UtcDateTime)
        {
            t = t.AddSeconds(1);
        }

        // Skip whole days, hours and minutes that cannot match: at most a few thousand steps a year.
        while (t < until.UtcDateTime)
        {
            if (!DayMatches(t))
            {
                t = t.Date.AddDays(1);
            }
            else if (!_allowed[2][t.Hour])
            {
                t = t.Date.AddHours(t.Hour + 1);
            }
            else if (!_allowed[1][t.Minute])
            {
                t = t.Date.AddHours(t.Hour).AddMinutes(t.Minute + 1);
            }
            else if (!_allowed[0][t.Second])
            {
                t = t.AddSeconds(1);
            }
            else
            {
                return new DateTimeOffset(t);
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => _text;

    private bool DayMatches(DateTime t) => _allowed[3][t.Day] && _allowed[4][(int)t.DayOfWeek] && _allowed[5][t.Month];

    private static int? Number(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
}
