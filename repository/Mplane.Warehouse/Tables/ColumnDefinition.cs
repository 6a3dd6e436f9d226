using Mplane.LogFormats;
using Mplane.Warehouse.Sql;
using NpgsqlTypes;

namespace Mplane.Warehouse.Tables;

/// <summary>A column of a continuous table and the PostgreSQL type its field maps to.</summary>
/// <param name="Name">The column's name (the field's, lower-cased).</param>
/// <param name="Field">The field it holds.</param>
/// <param name="SqlType">The column's SQL type.</param>
/// <param name="DbType">The type Npgsql writes in binary COPY.</param>
public sealed record ColumnDefinition(Identifier Name, FieldDefinition Field, string SqlType, NpgsqlDbType DbType)
{
    /// <summary>The partition key column every continuous table starts with: the time the row is windowed by.</summary>
    public static readonly Identifier SerialTime = Identifier.Of("serial_time");

    /// <summary>The column for a field, typed from the reading layer's dictionary.</summary>
    public static ColumnDefinition For(FieldDefinition field) => field.Type switch
    {
        FieldType.Address => new(Identifier.Column(field.Name), field, "inet", NpgsqlDbType.Inet),
        FieldType.Port or FieldType.Int32 => new(Identifier.Column(field.Name), field, "integer", NpgsqlDbType.Integer),
        FieldType.Int64 => new(Identifier.Column(field.Name), field, "bigint", NpgsqlDbType.Bigint),
        FieldType.Real or FieldType.Duration => new(Identifier.Column(field.Name), field, "double precision", NpgsqlDbType.Double),
        FieldType.Flag => new(Identifier.Column(field.Name), field, "boolean", NpgsqlDbType.Boolean),
        FieldType.Instant or FieldType.UnixSeconds => new(Identifier.Column(field.Name), field, "timestamptz", NpgsqlDbType.TimestampTz),
        _ => new(Identifier.Column(field.Name), field, "text", NpgsqlDbType.Text),
    };
}
