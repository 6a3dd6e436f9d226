using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Mplane.Protocol.Temporal;

/// <summary>
/// mPlane durations: <c>[Nd][Nh][Nm][Ns]</c> with integers only, or <c>inf</c> (100000 days), written
/// largest unit first (<c>1h30m</c>, zero as <c>0s</c>). A malformed duration is an error (the
/// reference silently reads it as zero).
/// </summary>
public static partial class MplaneDuration
{
    /// <summary>What <c>inf</c> stands for.</summary>
    public static readonly TimeSpan Infinite = TimeSpan.FromDays(100000);

    /// <summary>Parses a duration.</summary>
    /// <exception cref="FormatException">It is not <c>[Nd][Nh][Nm][Ns]</c> or <c>inf</c>.</exception>
    public static TimeSpan Parse(string text)
    {
        if (text == "inf")
        {
            return Infinite;
        }

        var match = Pattern().Match(text);
        if (!match.Success || text.Length == 0)
        {
            throw new FormatException($"'{text}' is not a duration such as 1h30m, 5m, 10s or inf (whole numbers of d, h, m, s)");
        }

        // Bounded by inf: anything longer is not a duration anyone means, and would overflow instants.
        double Part(string group) => match.Groups[group].Success ? double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        var seconds = (Part("d") * 86400) + (Part("h") * 3600) + (Part("m") * 60) + Part("s");
        return seconds <= Infinite.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new FormatException($"'{text}' is longer than inf (100000 days)");
    }

    /// <summary>Writes a duration as the reference does: largest unit first, whole seconds.</summary>
    public static string Format(TimeSpan duration)
    {
        var seconds = (long)duration.TotalSeconds;
        if (seconds <= 0)
        {
            return "0s";
        }

        var text = new StringBuilder();
        void Unit(long size, char name)
        {
            if (seconds >= size)
            {
                text.Append((seconds / size).ToString(CultureInfo.InvariantCulture)).Append(name);
                seconds %= size;
            }
        }

        Unit(86400, 'd');
        Unit(3600, 'h');
        Unit(60, 'm');
        Unit(1, 's');
        return text.ToString();
    }

    [GeneratedRegex(@"^(?:(?<d>\d+)d)?(?:(?<h>\d+)h)?(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
