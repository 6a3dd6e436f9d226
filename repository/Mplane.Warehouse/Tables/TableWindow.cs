using System.Globalization;

namespace Mplane.Warehouse.Tables;

/// <summary>Time windows of a continuous table: fixed-length, aligned to the Unix epoch, in UTC.</summary>
/// <param name="Length">The window length.</param>
public readonly record struct TableWindow(TimeSpan Length)
{
    /// <summary>The start of the window containing <paramref name="time"/>.</summary>
    public DateTimeOffset StartOf(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return DateTimeOffset.UnixEpoch.AddTicks(ticks - Mod(ticks, Length.Ticks));
    }

    /// <summary>Whether <paramref name="time"/> is a window start.</summary>
    public bool IsAligned(DateTimeOffset time) => StartOf(time) == time;

    /// <summary>A timestamptz literal for DDL (partition bounds cannot be parameters); the text comes from a DateTimeOffset, never from input.</summary>
    public static string Literal(DateTimeOffset time) =>
        "'" + time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture) + "'";

    private static long Mod(long a, long b) => ((a % b) + b) % b;
}
