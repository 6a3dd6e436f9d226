namespace Mplane.Reliability.Tests.Crash;

/// <summary>How many kills landed during each <see cref="CrashPhase"/> (a kill during two phases at once counts for both).</summary>
internal sealed class CrashTally
{
    private readonly Dictionary<CrashPhase, int> _during = [];

    /// <summary>Kills while none of the phases ran (a host starting, the probe backing off).</summary>
    public int Idle { get; private set; }

    /// <summary>Kills in all.</summary>
    public int Kills { get; private set; }

    /// <summary>Counts a kill during <paramref name="active"/>.</summary>
    public void Add(IReadOnlySet<CrashPhase> active)
    {
        Kills++;
        Idle += active.Count == 0 ? 1 : 0;
        foreach (var phase in active)
        {
            _during[phase] = During(phase) + 1;
        }
    }

    /// <summary>Kills during <paramref name="phase"/>.</summary>
    public int During(CrashPhase phase) => _during.GetValueOrDefault(phase);

    /// <summary>The phases of one kill, for the log.</summary>
    public string Describe(IReadOnlySet<CrashPhase> active) => active.Count == 0 ? "no phase" : string.Join(" + ", active.Order());

    /// <summary>The tally, for a message.</summary>
    public string Describe() =>
        string.Join(", ", Enum.GetValues<CrashPhase>().Select(p => $"{p}: {During(p)}")) + $", none: {Idle}, of {Kills}";
}
