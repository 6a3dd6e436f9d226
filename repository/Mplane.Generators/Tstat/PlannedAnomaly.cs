namespace Mplane.Generators.Tstat;

/// <summary>An anomaly with its time, key and the network elements it involves.</summary>
public sealed class PlannedAnomaly
{
    /// <summary>The label that the label file records.</summary>
    public required AnomalyLabel Label { get; init; }

    /// <summary>Extra flows per second it adds (0 for an outage, which removes flows).</summary>
    public required double Rate { get; init; }

    /// <summary>Port scan: the scanning client.</summary>
    public uint Scanner { get; init; }

    /// <summary>Port scan: the scanner's subnet.</summary>
    public ClientSubnet? ScannerSubnet { get; init; }

    /// <summary>Port scan: the scanned address.</summary>
    public uint ScanTarget { get; init; }

    /// <summary>DDoS: the attacked server.</summary>
    public Server? Victim { get; init; }

    /// <summary>Outage: the silent subnet.</summary>
    public ClientSubnet? SilentSubnet { get; init; }

    /// <summary>Flash crowd: the servers of the crowded domain.</summary>
    public IReadOnlyList<Server> CrowdServers { get; init; } = [];

    /// <summary>Whether the anomaly is under way at <paramref name="timeNs"/> (ns since the epoch).</summary>
    public bool IsActiveAt(long timeNs) => timeNs >= StartNs && timeNs < EndNs;

    /// <summary>Start in ns since the epoch.</summary>
    public long StartNs => Nanoseconds(Label.Start);

    /// <summary>End (exclusive) in ns since the epoch.</summary>
    public long EndNs => Nanoseconds(Label.End);

    /// <summary>Converts a time to ns since the epoch.</summary>
    public static long Nanoseconds(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
}
