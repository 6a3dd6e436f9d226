namespace Mplane.LogFormats;

/// <summary>One field of a record format: its name, type, unit and a one-line description.</summary>
/// <param name="Name">The field's name as the log's header spells it.</param>
/// <param name="Type">The value domain.</param>
/// <param name="Unit">The unit of the value (<c>bytes</c>, <c>ms</c>, ...), empty when it has none.</param>
/// <param name="Description">What the field means, in one line.</param>
public sealed record FieldDefinition(string Name, FieldType Type, string Unit, string Description);
