namespace Mplane.Protocol.Messages;

/// <summary>The kinds of mPlane messages, in the order a parser looks for their kind keys.</summary>
public enum MessageKind
{
    /// <summary>What a component can do.</summary>
    Capability,

    /// <summary>A request to do it.</summary>
    Specification,

    /// <summary>What was measured.</summary>
    Result,

    /// <summary>The promise of a result.</summary>
    Receipt,

    /// <summary>The claim of a promised result.</summary>
    Redemption,

    /// <summary>A capability taken back.</summary>
    Withdrawal,

    /// <summary>A request to stop.</summary>
    Interrupt,

    /// <summary>An error.</summary>
    Exception,

    /// <summary>Several messages.</summary>
    Envelope,
}

/// <summary>Kind keys.</summary>
public static class MessageKinds
{
    /// <summary>The kinds in the order a parser tests their keys (the first present wins).</summary>
    public static IReadOnlyList<MessageKind> InParsingOrder { get; } = Enum.GetValues<MessageKind>();

    /// <summary>The JSON key of <paramref name="kind"/>.</summary>
    public static string Key(this MessageKind kind) => kind.ToString().ToLowerInvariant();
}
