using Mplane.Configuration;
using System.Globalization;

namespace Mplane.Generators.Tstat;

/// <summary>
/// An anomaly asked for on the command line: <c>KIND</c>, <c>KIND@START</c> or <c>KIND@START/DURATION</c>,
/// where START is an ISO-8601 UTC time or an offset from the run's start (<c>+40m</c>), and DURATION
/// a span such as <c>15m</c>. Without a start the generator places it.
/// </summary>
/// <param name="Kind">The kind of anomaly.</param>
/// <param name="Start">An absolute start, if given.</param>
/// <param name="Offset">A start relative to the run's start, if given.</param>
/// <param name="Duration">How long it lasts, if given.</param>
public sealed record AnomalyRequest(AnomalyKind Kind, DateTimeOffset? Start, TimeSpan? Offset, TimeSpan? Duration)
{
    /// <summary>The duration of an anomaly when none is given.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromMinutes(15);

    /// <summary>Parses the command-line form; the message of a <see cref="FormatException"/> says what is wrong.</summary>
    public static AnomalyRequest Parse(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var kindText = at < 0 ? text : text[..at];
        var kind = AnomalyKinds.Parse(kindText)
            ?? throw new FormatException(
                $"unknown anomaly kind '{kindText}' in '{text}'; expected one of {string.Join(", ", AnomalyKinds.All.Select(k => k.Name()))}");
        if (at < 0)
        {
            return new AnomalyRequest(kind, null, null, null);
        }

        var rest = text[(at + 1)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var startText = slash < 0 ? rest : rest[..slash];
        TimeSpan? duration = slash < 0 ? null : ParseSpan(rest[(slash + 1)..], text, "duration");
        if (duration <= TimeSpan.Zero)
        {
            throw new FormatException($"the duration in '{text}' must be positive");
        }

        if (startText.StartsWith('+'))
        {
            return new AnomalyRequest(kind, null, ParseSpan(startText[1..], text, "offset"), duration);
        }

        if (!DateTimeOffset.TryParse(startText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var start))
        {
            throw new FormatException($"'{startText}' in '{text}' is neither an ISO-8601 time nor an offset like +30m");
        }

        return new AnomalyRequest(kind, start, null, duration);
    }

    private static TimeSpan ParseSpan(string span, string whole, string what) =>
        Spans.TryParse(span, out var value) ? value : throw new FormatException($"'{span}' in '{whole}' is not a {what} like 15m, 1h or 90s");
}
