namespace Mplane.Components.Runtime;

/// <summary>Waiting for an instant of a temporal scope.</summary>
public static class Waits
{
    /// <summary>
    /// Waits until <paramref name="instant"/> (forever when null), in steps of at most a day: timers
    /// stop at 49 days, and a scope's <c>inf</c> is 100000 days away.
    /// </summary>
    public static async Task UntilAsync(DateTimeOffset? instant, CancellationToken cancellationToken)
    {
        var until = instant ?? DateTimeOffset.MaxValue;
        for (var left = until - DateTimeOffset.UtcNow; left > TimeSpan.Zero; left = until - DateTimeOffset.UtcNow)
        {
            await Task.Delay(left < TimeSpan.FromDays(1) ? left : TimeSpan.FromDays(1), cancellationToken).ConfigureAwait(false);
        }
    }
}
