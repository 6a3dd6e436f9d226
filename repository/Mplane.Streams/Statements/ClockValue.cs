using System.Globalization;

namespace Mplane.Streams.Statements;

/// <summary>The forms of a <c>CLOCK</c> literal.</summary>
public enum ClockKind
{
    /// <summary><c>timestamp '2017-08-29 15:05:40'</c>: that instant, UTC unless the text carries an offset.</summary>
    Timestamp,

    /// <summary><c>date '2017-08-29'</c>: midnight UTC of that day.</summary>
    Date,

    /// <summary><c>time '15:05:40'</c>: that time of the current day (UTC).</summary>
    Time,

    /// <summary>An integer: milliseconds since 1970-01-01 UTC.</summary>
    UnixMs,
}

/// <summary>
/// The <c>CLOCK</c> of a continuous query: when its first run may happen. <see cref="Text"/> is the
/// literal's content (between the quotes, or the integer's digits); a time of day is resolved
/// against the moment given, so that the engine and tests decide what "today" is.
/// </summary>
/// <param name="Kind">The literal's form.</param>
/// <param name="Text">The literal's content.</param>
public sealed record ClockValue(ClockKind Kind, string Text)
{
    // PostgreSQL's ISO forms: a space or 'T' between date and time, optional fraction, optional offset (Z, +02, +02:00).
    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzz",
        "yyyy-MM-dd HH:mmK", "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd",
    ];

    private static readonly string[] TimeFormats = ["HH:mm:ss.FFFFFFF", "HH:mm"];

    /// <summary>The largest Unix time in milliseconds a <see cref="DateTimeOffset"/> holds (9999-12-31T23:59:59.999Z).</summary>
    private const long MaxUnixMs = 253_402_300_799_999;

    /// <summary>The instant the clock names, with <paramref name="now"/> deciding the day of a time.</summary>
    /// <exception cref="FormatException">The text is not a valid literal of its kind.</exception>
    public DateTimeOffset Resolve(DateTimeOffset now) =>
        TryResolve(now, out var at) ? at : throw new FormatException(Expected(Kind, Text));

    /// <summary>Whether <paramref name="text"/> is a valid literal of <paramref name="kind"/>.</summary>
    internal static bool IsValid(ClockKind kind, string text) =>
        new ClockValue(kind, text).TryResolve(DateTimeOffset.UnixEpoch, out _);

    /// <summary>What a literal of <paramref name="kind"/> looks like, for the message that refuses <paramref name="text"/>.</summary>
    internal static string Expected(ClockKind kind, string text) => kind switch
    {
        ClockKind.Timestamp => $"'{text}' is not a timestamp: use 'YYYY-MM-DD HH:MM[:SS[.fraction]]' with an optional offset (Z, +02, +02:00)",
        ClockKind.Date => $"'{text}' is not a date: use 'YYYY-MM-DD'",
        ClockKind.Time => $"'{text}' is not a time: use 'HH:MM[:SS[.fraction]]'",
        _ => $"{text} is not a Unix time in milliseconds: use 0 to {MaxUnixMs}",
    };

    private bool TryResolve(DateTimeOffset now, out DateTimeOffset at)
    {
        var culture = CultureInfo.InvariantCulture;
        switch (Kind)
        {
            case ClockKind.Timestamp:
                return DateTimeOffset.TryParseExact(Text, TimestampFormats, culture, DateTimeStyles.AssumeUniversal, out at);
            case ClockKind.Date when DateOnly.TryParseExact(Text, "yyyy-MM-dd", culture, DateTimeStyles.None, out var date):
                at = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                return true;
            case ClockKind.Time when TimeOnly.TryParseExact(Text, TimeFormats, culture, DateTimeStyles.None, out var time):
                at = new DateTimeOffset(DateOnly.FromDateTime(now.UtcDateTime).ToDateTime(time), TimeSpan.Zero);
                return true;
            case ClockKind.UnixMs when long.TryParse(Text, NumberStyles.None, culture, out var ms) && ms <= MaxUnixMs:
                at = DateTimeOffset.FromUnixTimeMilliseconds(ms);
                return true;
            default:
                at = default;
                return false;
        }
    }
}
