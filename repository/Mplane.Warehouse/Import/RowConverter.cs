using System.Text.Unicode;
using Mplane.LogFormats;
using Mplane.LogFormats.Reading;
using Mplane.LogFormats.Values;

namespace Mplane.Warehouse.Import;

/// <summary>
/// Turns records of one format into rows of one table: each table column is matched to the field
/// of the same (lower-cased) name, parsed and checked for the column's type, then written with
/// binary COPY. A record with a value that does not fit is rejected whole, with the field named.
/// </summary>
internal sealed class RowConverter
{
    private readonly Column[] _columns;
    private readonly long[] _integers;
    private readonly double[] _reals;
    private readonly IpAddressValue[] _addresses;
    private readonly bool[] _nulls;

    public RowConverter(RecordFormat format, IReadOnlyList<(string Name, string Type)> tableColumns)
    {
        Format = format;
        _columns = tableColumns.Select(c => new Column(c.Name, KindOf(c.Type), IndexOf(format, c.Name))).ToArray();
        _integers = new long[_columns.Length];
        _reals = new double[_columns.Length];
        _addresses = new IpAddressValue[_columns.Length];
        _nulls = new bool[_columns.Length];
    }

    /// <summary>The format this converter reads.</summary>
    public RecordFormat Format { get; }

    /// <summary>Parses every column of <paramref name="record"/>; on failure says which field holds what.</summary>
    public bool TryConvert(RecordCursor record, out string? problem)
    {
        for (var i = 0; i < _columns.Length; i++)
        {
            var column = _columns[i];
            _nulls[i] = record.IsNull(column.Field);
            if (_nulls[i])
            {
                continue;
            }

            var ok = column.Kind switch
            {
                Kind.Integer => record.TryGetInt64(column.Field, out _integers[i]) && _integers[i] is >= int.MinValue and <= int.MaxValue,
                Kind.Bigint => record.TryGetInt64(column.Field, out _integers[i]),
                Kind.Real => record.TryGetDouble(column.Field, out _reals[i]),
                Kind.Boolean => record.TryGetInt64(column.Field, out _integers[i]) && _integers[i] is 0 or 1,
                Kind.Timestamp => TryTimestamp(record, column.Field, out _integers[i]),
                Kind.Inet => record.TryGetAddress(column.Field, out _addresses[i]),
                _ => IsStorableText(record.Field(column.Field)),
            };
            if (!ok)
            {
                problem = $"field {column.Name}: '{record.GetString(column.Field)}' is not a valid {column.Kind.ToString().ToLowerInvariant()}";
                return false;
            }
        }

        problem = null;
        return true;
    }

    /// <summary>Writes the converted row (text straight from <paramref name="record"/>) after <paramref name="serialTimeTicks"/>.</summary>
    public void Write(PgBinaryCopyWriter writer, RecordCursor record, long serialTimeTicks)
    {
        writer.StartRow(_columns.Length + 1);
        writer.WriteTimestamp(serialTimeTicks);
        for (var i = 0; i < _columns.Length; i++)
        {
            if (_nulls[i])
            {
                writer.WriteNull();
                continue;
            }

            switch (_columns[i].Kind)
            {
                case Kind.Integer:
                    writer.WriteInt32((int)_integers[i]);
                    break;
                case Kind.Bigint:
                    writer.WriteInt64(_integers[i]);
                    break;
                case Kind.Real:
                    writer.WriteDouble(_reals[i]);
                    break;
                case Kind.Boolean:
                    writer.WriteBoolean(_integers[i] == 1);
                    break;
                case Kind.Timestamp:
                    writer.WriteTimestamp(_integers[i]);
                    break;
                case Kind.Inet:
                    writer.WriteInet(_addresses[i]);
                    break;
                default:
                    writer.WriteText(record.Field(_columns[i].Field));
                    break;
            }
        }
    }

    /// <summary>PostgreSQL text must be valid UTF-8 (the database encoding) without NUL bytes.</summary>
    private static bool IsStorableText(ReadOnlySpan<byte> field) => field.IndexOf((byte)0) < 0 && Utf8.IsValid(field);

    /// <summary>The column list for the COPY statement, <c>serial_time</c> first.</summary>
    public string CopyColumns => string.Join(", ", new[] { "\"serial_time\"" }.Concat(_columns.Select(c => Sql.Identifier.Of(c.Name, "column").Quoted)));

    private static int IndexOf(RecordFormat format, string column)
    {
        for (var i = 0; i < format.FieldCount; i++)
        {
            if (string.Equals(format.Fields[i].Name, column, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool TryTimestamp(RecordCursor record, int field, out long ticks)
    {
        ticks = 0;
        if (!record.TryGetDouble(field, out var value))
        {
            return false;
        }

        // Milliseconds since the epoch (Tstat), or seconds for fields typed so (MAWI's serial_time).
        var perUnit = record.Format.Fields[field].Type == FieldType.UnixSeconds ? TimeSpan.TicksPerSecond : TimeSpan.TicksPerMillisecond;
        var offset = value * perUnit;
        if (double.IsNaN(offset) || offset < 0 || offset > (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks))
        {
            return false;
        }

        ticks = DateTime.UnixEpoch.Ticks + (long)offset;
        return true;
    }

    private static Kind KindOf(string sqlType) => sqlType switch
    {
        "integer" or "smallint" => Kind.Integer,
        "bigint" => Kind.Bigint,
        "double precision" or "real" => Kind.Real,
        "boolean" => Kind.Boolean,
        "timestamp with time zone" => Kind.Timestamp,
        "inet" => Kind.Inet,
        _ => Kind.Text,
    };

    private enum Kind
    {
        Text,
        Integer,
        Bigint,
        Real,
        Boolean,
        Timestamp,
        Inet,
    }

    private readonly record struct Column(string Name, Kind Kind, int Field);
}
