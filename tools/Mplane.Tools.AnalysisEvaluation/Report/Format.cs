using System.Globalization;

namespace Mplane.Tools.AnalysisEvaluation.Report;

/// <summary>How figures read in the report and the progress lines.</summary>
public static class Format
{
    /// <summary>The report's culture.</summary>
    public static CultureInfo Culture => CultureInfo.InvariantCulture;

    /// <summary>A ratio such as recall, two decimals; a dash for none.</summary>
    public static string Ratio(double value) => double.IsNaN(value) ? "–" : value.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>A rate per day, two decimals.</summary>
    public static string Rate(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>A duration in minutes, one decimal; a dash for none.</summary>
    public static string Minutes(TimeSpan? value) =>
        value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v.TotalMinutes:0.0} min") : "–";

    /// <summary>A duration in seconds, for timings.</summary>
    public static string Seconds(TimeSpan value) => string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0} s");

    /// <summary>A time of the simulated run, to the minute (UTC).</summary>
    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>A number in the invariant culture.</summary>
    public static string Number(double value, string format = "0.###") => value.ToString(format, CultureInfo.InvariantCulture);
}
