using System.Net;
using System.Runtime.CompilerServices;
using Mplane.LogFormats.Query;
using Mplane.Warehouse.Sql;
using Mplane.Warehouse.Tables;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Npgsql;
using NpgsqlTypes;

namespace Mplane.RepositoryProxy;

/// <summary>The table asked for is not a continuous table of the warehouse.</summary>
public sealed class UnknownTableException(string message) : Exception(message);

/// <summary>
/// Reads rows of a continuous table for a time scope: the table must be in the catalogue, its name
/// reaches SQL validated and quoted, the filter is translated with <see cref="SqlFilter"/> against the
/// table's own columns, and every value is a parameter. Rows stream from the server in time order.
/// </summary>
public sealed class ViewReader(NpgsqlDataSource dataSource)
{
    /// <summary>The rows of <paramref name="table"/> with a window time in [<paramref name="start"/>, <paramref name="end"/>) matching <paramref name="filter"/>, at most <paramref name="limit"/>.</summary>
    /// <exception cref="UnknownTableException">No such continuous table.</exception>
    /// <exception cref="FilterException">The filter is malformed or does not fit the table's columns.</exception>
    public async IAsyncEnumerable<(DateTimeOffset Time, string Json)> ReadAsync(
        QualifiedName table, DateTimeOffset? start, DateTimeOffset? end, string? filter, int limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (await ContinuousTables.FindAsync(connection, table, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new UnknownTableException($"no continuous table {table.Schema.Name}.{table.Table.Name}");
        }

        var columns = await ColumnsAsync(connection, table, cancellationToken).ConfigureAwait(false);
        var time = ColumnDefinition.SerialTime.Quoted;
        var parameters = new List<object> { start ?? DateTimeOffset.MinValue, end ?? DateTimeOffset.MaxValue, limit };
        var condition = "true";
        if (filter is not null)
        {
            var translated = SqlFilter.Translate(filter, columns, name => Identifier.Of(name, "column").Quoted, firstParameter: parameters.Count + 1);
            condition = translated.Sql;
            parameters.AddRange(translated.Values);
        }

        await using var command = new NpgsqlCommand(
            $"SELECT * FROM {table.Quoted} WHERE {time} >= $1 AND {time} < $2 AND {condition} ORDER BY {time} LIMIT $3", connection);
        foreach (var value in parameters)
        {
            command.Parameters.Add(value switch
            {
                DateTimeOffset instant => new NpgsqlParameter { Value = instant.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz },
                SqlAddressPrefix prefix => new NpgsqlParameter { Value = new NpgsqlInet(prefix.Network, prefix.Bits) },
                _ => new NpgsqlParameter { Value = value },
            });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var timeOrdinal = reader.GetOrdinal(ColumnDefinition.SerialTime.Name);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var row = new JObject();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                if (i != timeOrdinal)
                {
                    row[reader.GetName(i)] = Json(reader.GetValue(i));
                }
            }

            yield return (reader.GetFieldValue<DateTimeOffset>(timeOrdinal), row.ToString(Formatting.None));
        }
    }

    private static JToken Json(object value) => value switch
    {
        DBNull => JValue.CreateNull(),
        DateTime time => new JValue(new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture)),
        IPAddress or NpgsqlInet or IPNetwork => new JValue(value.ToString()),
        string or bool or short or int or long or float or double or decimal => new JValue(value),
        _ => new JValue(value.ToString()),
    };

    private static async Task<Dictionary<string, SqlColumnKind>> ColumnsAsync(NpgsqlConnection connection, QualifiedName table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT attname, atttypid::regtype::text FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = table.Quoted });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var columns = new Dictionary<string, SqlColumnKind>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            columns[reader.GetString(0)] = reader.GetString(1) switch
            {
                "inet" or "cidr" => SqlColumnKind.Address,
                "timestamp with time zone" or "timestamp without time zone" => SqlColumnKind.Time,
                "boolean" => SqlColumnKind.Boolean,
                "smallint" or "integer" or "bigint" or "real" or "double precision" or "numeric" => SqlColumnKind.Number,
                "text" or "character varying" or "character" => SqlColumnKind.Text,
                _ => SqlColumnKind.Unsupported,
            };
        }

        return columns;
    }
}
