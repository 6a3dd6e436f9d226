using Mplane.LogFormats;
using Mplane.Warehouse.Sql;

namespace Mplane.Warehouse.Tables;

/// <summary>A column of a continuous table and the PostgreSQL type its field maps to.</summary>
/// <param name="Name">The column's name (the field's, lower-cased).</param>
/// <param name="Field">The field it holds.</param>
/// <param name="SqlType">The column's SQL type.</param>
public sealed record ColumnDefinition(Identifier Name, FieldDefinition Field, string SqlType)
{
    /// <summary>The partition key column every continuous table starts with: the time the row is windowed by.</summary>
    public static readonly Identifier SerialTime = Identifier.Of("serial_time");

    /// <summary>The column for a field, typed from the reading layer's dictionary.</summary>
    public static ColumnDefinition For(FieldDefinition field) => field.Type switch
    {
        FieldType.Address => new(Identifier.Column(field.Name), field, "inet"),
        FieldType.Port or FieldType.Int32 => new(Identifier.Column(field.Name), field, "integer"),
        FieldType.Int64 => new(Identifier.Column(field.Name), field, "bigint"),
        FieldType.Real or FieldType.Duration => new(Identifier.Column(field.Name), field, "double precision"),
        FieldType.Flag => new(Identifier.Column(field.Name), field, "boolean"),
        FieldType.Instant or FieldType.UnixSeconds => new(Identifier.Column(field.Name), field, "timestamptz"),
        _ => new(Identifier.Column(field.Name), field, "text"),
    };
}
