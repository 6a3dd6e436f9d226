namespace Mplane.Host.Hosting;

/// <summary>
/// How long a failed module waits before it is started again: <see cref="First"/> after a failure,
/// doubled after each further failure that came quickly (the module ran less than
/// <see cref="StableAfter"/>), up to <see cref="Max"/>. A module that ran long enough starts over
/// at the first penalty. (hydra waited a fixed penalty after a run under a minute, else one second.)
/// </summary>
/// <param name="First">The first wait.</param>
/// <param name="Max">The longest wait.</param>
/// <param name="StableAfter">A run this long resets the penalty.</param>
public sealed record RestartPenalty(TimeSpan First, TimeSpan Max, TimeSpan StableAfter)
{
    /// <summary>The wait after a failure, given the run it ended and the failures in a row before it.</summary>
    /// <param name="ran">How long the failed run lasted.</param>
    /// <param name="quickFailures">The quick failures in a row before this one (updated).</param>
    public TimeSpan Next(TimeSpan ran, ref int quickFailures)
    {
        quickFailures = ran >= StableAfter ? 0 : quickFailures + 1;
        var factor = System.Math.Pow(2, System.Math.Min(System.Math.Max(quickFailures - 1, 0), 30));
        var wait = TimeSpan.FromTicks((long)System.Math.Min(First.Ticks * factor, Max.Ticks));
        return wait < First ? First : wait;
    }
}
