using System.Globalization;
using System.Text.RegularExpressions;

namespace Mplane.Configuration;

/// <summary>Sizes in configuration files (quotas, limits).</summary>
public static partial class Sizes
{
    /// <summary>
    /// Parses a size such as <c>10 GB</c>, <c>500MB</c> or <c>2 TiB</c> (KB, MB, GB, TB, PB are binary,
    /// as in the original). Anything else, and zero, is an error: a malformed quota never means "keep nothing".
    /// </summary>
    public static long Parse(string text, string source, string key)
    {
        var match = SizePattern().Match(text);
        if (!match.Success)
        {
            throw new ConfigurationException(source, key, $"'{text}' is not a size such as 500 MB, 10 GB or 2 TB (units B, KB, MB, GB, TB, PB)");
        }

        var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups[2].Value.ToUpperInvariant().Replace("I", string.Empty, StringComparison.Ordinal);
        var power = unit switch { "B" => 0, "KB" => 1, "MB" => 2, "GB" => 3, "TB" => 4, _ => 5 };
        var bytes = number * Math.Pow(1024, power);
        return bytes is >= 1 and < long.MaxValue
            ? (long)bytes
            : throw new ConfigurationException(source, key, $"'{text}' is not a usable quota (it must be at least one byte)");
    }

    [GeneratedRegex(@"^\s*([0-9]+(?:\.[0-9]+)?)\s*(B|KB|MB|GB|TB|PB|KiB|MiB|GiB|TiB|PiB)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}
