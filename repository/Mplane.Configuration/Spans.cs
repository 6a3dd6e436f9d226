using System.Globalization;

namespace Mplane.Configuration;

/// <summary>Time spans written the way operators write them: <c>90s</c>, <c>10m</c>, <c>1h30m</c>, <c>2d</c>.</summary>
public static class Spans
{
    /// <summary>Parses one or more number-unit pairs (units d, h, m, s, ms); a bare number is seconds.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        text = text.Trim();
        if (text.Length == 0)
        {
            return false;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            value = TimeSpan.FromSeconds(bare);
            return true;
        }

        var i = 0;
        while (i < text.Length)
        {
            var numberStart = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            if (unitStart == numberStart ||
                !double.TryParse(text.AsSpan(numberStart, unitStart - numberStart), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            TimeSpan? part = text[unitStart..i] switch
            {
                "d" => TimeSpan.FromDays(number),
                "h" => TimeSpan.FromHours(number),
                "m" or "min" => TimeSpan.FromMinutes(number),
                "s" => TimeSpan.FromSeconds(number),
                "ms" => TimeSpan.FromMilliseconds(number),
                _ => null,
            };
            if (part is null)
            {
                return false;
            }

            value += part.Value;
        }

        return true;
    }

    /// <summary>Formats a span compactly (<c>1h30m</c>).</summary>
    public static string Format(TimeSpan span)
    {
        if (span == TimeSpan.Zero)
        {
            return "0s";
        }

        var parts = new List<string>();
        if (span.Days > 0) parts.Add($"{span.Days}d");
        if (span.Hours > 0) parts.Add($"{span.Hours}h");
        if (span.Minutes > 0) parts.Add($"{span.Minutes}m");
        if (span.Seconds > 0) parts.Add($"{span.Seconds}s");
        if (span.Milliseconds > 0) parts.Add($"{span.Milliseconds}ms");
        return string.Concat(parts);
    }
}
