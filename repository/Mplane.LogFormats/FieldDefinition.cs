namespace Mplane.LogFormats;

/// <summary>How a field's value is spelled in the file, when that differs from its type's usual text.</summary>
public enum FieldEncoding
{
    /// <summary>The type's ordinary text form (dotted quads, decimal numbers).</summary>
    Text,

    /// <summary>An IPv4 address written as an unsigned 32-bit decimal, network byte order (MAWI).</summary>
    DecimalIPv4,
}

/// <summary>One field of a record format: its name, type, unit and a one-line description.</summary>
/// <param name="Name">The field's name as the log's header spells it.</param>
/// <param name="Type">The value domain.</param>
/// <param name="Unit">The unit of the value (<c>bytes</c>, <c>ms</c>, ...), empty when it has none.</param>
/// <param name="Description">What the field means, in one line.</param>
public sealed record FieldDefinition(string Name, FieldType Type, string Unit, string Description)
{
    /// <summary>How the value is written in the file.</summary>
    public FieldEncoding Encoding { get; init; } = FieldEncoding.Text;

    /// <summary>A field read from a header that no dictionary knows: text.</summary>
    public static FieldDefinition Unknown(string name) => new(name, FieldType.Text, string.Empty, "(not in the dictionary; read as text)");
}
