using System.Globalization;

namespace Mplane.LogFormats.Tstat;

/// <summary>
/// Tstat's output layout: <c>&lt;dir&gt;/YYYY/MM-Mon/YYYY_MM_DD_HH_MM.out/&lt;log name&gt;</c>, one
/// <c>.out</c> folder per rotation period named after the period's start. This project reads and
/// writes the names as UTC, independent of the host's time zone.
/// </summary>
public static class TstatDirectoryLayout
{
    private const string PeriodFormat = "yyyy'_'MM'_'dd'_'HH'_'mm";
    private const string OutSuffix = ".out";

    /// <summary>The relative folder of the period that starts at <paramref name="start"/>, e.g. <c>2015/02-Feb/2015_02_27_22_30.out</c>.</summary>
    public static string PeriodFolder(DateTimeOffset start)
    {
        var utc = start.UtcDateTime;
        return Path.Combine(
            utc.ToString("yyyy", CultureInfo.InvariantCulture),
            utc.ToString("MM'-'MMM", CultureInfo.InvariantCulture),
            utc.ToString(PeriodFormat, CultureInfo.InvariantCulture) + OutSuffix);
    }

    /// <summary>
    /// The period start encoded in a path's <c>.out</c> folder (the nearest one above the file), or
    /// null when the path has none.
    /// </summary>
    public static DateTimeOffset? PeriodStart(string path)
    {
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(path)); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            var name = Path.GetFileName(dir);
            if (name.EndsWith(OutSuffix, StringComparison.Ordinal) &&
                DateTime.TryParseExact(name[..^OutSuffix.Length], PeriodFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var start))
            {
                return new DateTimeOffset(start, TimeSpan.Zero);
            }
        }

        return null;
    }
}
