namespace Mplane.Generators.Tstat;

/// <summary>The kinds of anomaly the generator can inject.</summary>
public enum AnomalyKind
{
    /// <summary>One client probes many ports of one server with short failed connections. Key: the scanner's address.</summary>
    PortScan,

    /// <summary>Many sources flood one server with connection attempts. Key: the target's address.</summary>
    Ddos,

    /// <summary>A client /24 goes silent. Key: the subnet in CIDR notation.</summary>
    Outage,

    /// <summary>Many clients suddenly fetch from one domain. Key: the domain.</summary>
    FlashCrowd,
}

/// <summary>Names of anomaly kinds as written on the command line and in label files.</summary>
public static class AnomalyKinds
{
    /// <summary>Every kind, in a fixed order.</summary>
    public static IReadOnlyList<AnomalyKind> All { get; } = Enum.GetValues<AnomalyKind>();

    /// <summary>The kind's name: <c>portscan</c>, <c>ddos</c>, <c>outage</c>, <c>flashcrowd</c>.</summary>
    public static string Name(this AnomalyKind kind) => kind switch
    {
        AnomalyKind.PortScan => "portscan",
        AnomalyKind.Ddos => "ddos",
        AnomalyKind.Outage => "outage",
        AnomalyKind.FlashCrowd => "flashcrowd",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Parses a kind's name, or null when it names none.</summary>
    public static AnomalyKind? Parse(string name) =>
        All.Cast<AnomalyKind?>().FirstOrDefault(k => string.Equals(k!.Value.Name(), name, StringComparison.OrdinalIgnoreCase));
}
