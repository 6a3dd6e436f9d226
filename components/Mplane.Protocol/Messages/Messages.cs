namespace Mplane.Protocol.Messages;

/// <summary>An mPlane message: a statement, an exception or an envelope.</summary>
public abstract record Message(MessageKind Kind);

/// <summary>
/// A statement or statement-like notification (capability, specification, result, receipt,
/// redemption, withdrawal, interrupt). Parameters hold constraints in a capability and values
/// elsewhere, all as the strings the reference writes.
/// </summary>
public sealed record Statement(MessageKind Kind, string Verb) : Message(Kind)
{
    /// <summary>The registry URI the element names resolve in.</summary>
    public required string Registry { get; init; }

    /// <summary>The temporal scope, as written.</summary>
    public required string When { get; init; }

    /// <summary>A human-readable name.</summary>
    public string? Label { get; init; }

    /// <summary>Where to send the next message.</summary>
    public string? Link { get; init; }

    /// <summary>Where results are exported (kept, unlike the reference, which reads it into the link).</summary>
    public string? Export { get; init; }

    /// <summary>The token.</summary>
    public string? Token { get; init; }

    /// <summary>Parameter name to constraint (capability) or value (others).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Metadata name to value.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Result column names, in order.</summary>
    public IReadOnlyList<string> Results { get; init; } = [];

    /// <summary>Result rows, cells in <see cref="Results"/> order (results only).</summary>
    public IReadOnlyList<IReadOnlyList<string>> ResultValues { get; init; } = [];
}

/// <summary>An error about the message with <paramref name="Token"/>.</summary>
public sealed record ExceptionMessage(string? Token, string Text) : Message(MessageKind.Exception);

/// <summary>Several messages, with the envelope's own token, scope and label when it carries a repeated result.</summary>
public sealed record Envelope(IReadOnlyList<Message> Contents) : Message(MessageKind.Envelope)
{
    /// <summary>The content type; the reference always writes <c>message</c>.</summary>
    public string ContentType { get; init; } = "message";

    /// <summary>The token.</summary>
    public string? Token { get; init; }

    /// <summary>The temporal scope.</summary>
    public string? When { get; init; }

    /// <summary>The label.</summary>
    public string? Label { get; init; }
}
