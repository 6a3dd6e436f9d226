using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Mplane.Protocol.Values;

/// <summary>
/// Values as the reference implementation writes them: every value a string, booleans
/// <c>True</c>/<c>False</c>, times <c>YYYY-MM-DD HH:MM:SS.ffffff</c> in UTC without a zone,
/// canonical addresses, plain integers. Reading is tolerant where the reference is, and right where
/// it is wrong: a <c>T</c>-separated time keeps its time of day and a zone is honoured (the reference
/// drops both), and anything that does not parse is an error naming the value, never a silent zero.
/// <c>*</c> means "no value" for every prim.
/// </summary>
public static partial class ValueCodec
{
    /// <summary>The wildcard: no value, or all values.</summary>
    public const string Wildcard = "*";

    /// <summary>The text the reference writes for <paramref name="value"/> of type <paramref name="prim"/>.</summary>
    public static string Format(Prim prim, object? value) => (prim, value) switch
    {
        (_, null) => Wildcard,
        (Prim.Boolean, bool b) => b ? "True" : "False",
        (Prim.Natural, long n) => n.ToString(CultureInfo.InvariantCulture),
        (Prim.Natural, int n) => n.ToString(CultureInfo.InvariantCulture),
        (Prim.Real, double d) => FormatReal(d),
        (Prim.Time, DateTimeOffset t) => FormatTime(t),
        (Prim.Time, DateTime t) => FormatTime(new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc))),
        (Prim.Address, IPAddress a) => a.ToString(),
        (Prim.String or Prim.Url, string s) => s,
        _ => throw new ArgumentException($"a {value.GetType().Name} is not a value of prim {prim.Name()}", nameof(value)),
    };

    /// <summary>A time as the reference writes it: UTC, space-separated, always six fraction digits.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy'-'MM'-'dd' 'HH':'mm':'ss'.'ffffff", CultureInfo.InvariantCulture);

    /// <summary>Parses <paramref name="text"/> as a value of <paramref name="prim"/>; <c>*</c> is null.</summary>
    /// <exception cref="FormatException">The text is not such a value; the message names it and the prim.</exception>
    public static object? Parse(Prim prim, string text)
    {
        if (text == Wildcard)
        {
            return null;
        }

        return prim switch
        {
            Prim.String or Prim.Url => text,
            Prim.Natural => ParseNatural(text),
            Prim.Real => text switch
            {
                "inf" or "+inf" => double.PositiveInfinity,
                "-inf" => double.NegativeInfinity,
                "nan" => double.NaN,
                _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Bad(prim, text),
            },
            Prim.Boolean => text switch
            {
                "True" or "1" or "true" => true,
                "False" or "0" or "false" => false,
                _ => throw Bad(prim, text),
            },
            Prim.Time => ParseTime(text) ?? throw Bad(prim, text),
            Prim.Address => IPAddress.TryParse(text, out var address) && !text.Contains('/', StringComparison.Ordinal) ? address : throw Bad(prim, text),
            _ => throw Bad(prim, text),
        };
    }

    /// <summary>
    /// Parses an absolute time: <c>YYYY-MM-DD</c>, optionally followed by <c>HH:MM</c>, <c>:SS</c> and up
    /// to six fraction digits, separated by a space or a <c>T</c>, optionally followed by <c>Z</c> or an
    /// offset; UTC unless an offset says otherwise. Null when it does not parse.
    /// </summary>
    public static DateTimeOffset? ParseTime(string text)
    {
        var match = TimePattern().Match(text);
        if (!match.Success)
        {
            return null;
        }

        if (!DateTime.TryParseExact(match.Groups["date"].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return null;
        }

        int Field(string name) => match.Groups[name].Success ? int.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        var (hours, minutes, seconds) = (Field("h"), Field("m"), Field("s"));
        if (hours > 23 || minutes > 59 || seconds > 59)
        {
            return null;
        }

        var time = new TimeSpan(hours, minutes, seconds);

        if (match.Groups["f"].Success)
        {
            time += TimeSpan.FromTicks(long.Parse(match.Groups["f"].Value.PadRight(7, '0'), CultureInfo.InvariantCulture));
        }

        var zone = match.Groups["zone"].Value;
        var offset = TimeSpan.Zero;
        if (zone is not ("" or "Z"))
        {
            var digits = zone[1..].Replace(":", string.Empty, StringComparison.Ordinal);
            var (zoneHours, zoneMinutes) = (int.Parse(digits[..2], CultureInfo.InvariantCulture), int.Parse(digits[2..], CultureInfo.InvariantCulture));
            if (zoneHours > 14 || zoneMinutes > 59)
            {
                return null;
            }

            offset = new TimeSpan(zoneHours, zoneMinutes, 0) * (zone[0] == '-' ? -1 : 1);
        }

        var ticks = date.Ticks + time.Ticks - offset.Ticks; // in range: the result must be a representable instant
        return ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    }

    private static long ParseNatural(string text)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return n;
        }

        // The reference writes integers but reads "12.7" as 12 and "1e3" as 1000: whole values only here.
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 && d == Math.Floor(d) && d <= long.MaxValue
            ? (long)d
            : throw Bad(Prim.Natural, text);
    }

    /// <summary>
    /// A real as Python's <c>repr</c> writes it (what the reference sends): the shortest text that reads
    /// back the same, <c>.0</c> on whole numbers, exponent form (<c>1e+16</c>, <c>1e-05</c>) only when the
    /// decimal point would be more than 16 digits right or 4 left, and <c>inf</c>, <c>-inf</c>, <c>nan</c>.
    /// </summary>
    public static string FormatReal(double value)
    {
        if (!double.IsFinite(value))
        {
            return double.IsNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
        }

        var sign = double.IsNegative(value) ? "-" : string.Empty;
        var (digits, point) = ShortestDigits(Math.Abs(value));
        if (digits.Length == 0)
        {
            return sign + "0.0";
        }

        if (point is > 16 or <= -4)
        {
            var exponent = point - 1;
            var mantissa = digits.Length == 1 ? digits : $"{digits[0]}.{digits[1..]}";
            return string.Create(CultureInfo.InvariantCulture, $"{sign}{mantissa}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}");
        }

        return sign + (point <= 0 ? "0." + new string('0', -point) + digits
            : point >= digits.Length ? digits + new string('0', point - digits.Length) + ".0"
            : $"{digits[..point]}.{digits[point..]}");
    }

    /// <summary>The significant digits of the shortest round-trip text of <paramref name="value"/> (positive), and where the decimal point goes (value = 0.digits x 10^point).</summary>
    private static (string Digits, int Point) ShortestDigits(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        var exponent = e < 0 ? 0 : int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = e < 0 ? text : text[..e];
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        var point = (dot < 0 ? mantissa.Length : dot) + exponent;
        var leading = digits.Length - digits.TrimStart('0').Length;
        return (digits.Trim('0'), point - leading);
    }

    private static FormatException Bad(Prim prim, string text) => new($"'{text}' is not a value of prim {prim.Name()}");

    [GeneratedRegex(@"^(?<date>\d{4}-\d{2}-\d{2})(?:[ T](?<hm>(?<h>\d{2}):(?<m>\d{2}))(?::(?<s>\d{2})(?:\.(?<f>\d{1,6}))?)?)?(?<zone>Z|[+-]\d{2}:?\d{2})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex TimePattern();
}
