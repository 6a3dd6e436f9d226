using System.Globalization;
using Mplane.Configuration;

namespace Mplane.Cli.Commands;

/// <summary>Values given on the command line, read the same way by every command; errors name the option.</summary>
internal static class CliValues
{
    /// <summary>An ISO 8601 time; UTC unless it says otherwise.</summary>
    public static DateTimeOffset Instant(string text, string option) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw new UsageException($"{option}: '{text}' is not an ISO-8601 time such as 2015-02-27T22:00:00Z");

    /// <summary>A duration such as 90s, 10m, 1h or 2d.</summary>
    public static TimeSpan Span(string text, string option) =>
        Spans.TryParse(text, out var value)
            ? value
            : throw new UsageException($"{option}: '{text}' is not a duration such as 90s, 10m, 1h or 2d");
}
