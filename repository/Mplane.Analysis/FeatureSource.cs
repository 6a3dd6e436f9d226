using Mplane.Warehouse.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Mplane.Analysis;

/// <summary>
/// Reads what the detectors consume from the warehouse: per-bin distributions and counts, and how far
/// the warehouse has closed them. Table and column names come from the configuration and reach SQL
/// validated and quoted; every value is a parameter.
/// </summary>
public sealed class FeatureSource(NpgsqlDataSource dataSource, AnalysisSettings settings)
{
    private IEnumerable<QualifiedName> Tables =>
        settings.Counts.Select(c => QualifiedName.Parse(c.Table)).Prepend(QualifiedName.Parse(settings.FeaturesTable)).Distinct();

    /// <summary>
    /// The end of what every source table has closed: for a job's output, its next window (everything
    /// before it is computed); for any other table, the end of its newest partition. Null while a
    /// source has nothing yet.
    /// </summary>
    public async Task<DateTimeOffset?> ClosedUntilAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset? closed = null;
        foreach (var table in Tables)
        {
            await using var command = dataSource.CreateCommand("""
                SELECT coalesce(
                    (SELECT min(next_window) FROM mplane.jobs WHERE output_schema = $1 AND output_table = $2),
                    (SELECT max(window_end) FROM mplane.partitions WHERE schema_name = $1 AND table_name = $2))
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = table.Schema.Name });
            command.Parameters.Add(new NpgsqlParameter { Value = table.Table.Name });
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not DateTime end)
            {
                return null;
            }

            var at = new DateTimeOffset(end, TimeSpan.Zero);
            closed = closed is { } c && c < at ? c : at;
        }

        return closed;
    }

    /// <summary>The first bin of the feature table, or null when it is empty.</summary>
    public async Task<DateTimeOffset?> FirstBinAsync(CancellationToken cancellationToken)
    {
        var table = QualifiedName.Parse(settings.FeaturesTable);
        await using var command = dataSource.CreateCommand("SELECT min(window_start) FROM mplane.partitions WHERE schema_name = $1 AND table_name = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = table.Schema.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = table.Table.Name });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime first ? new DateTimeOffset(first, TimeSpan.Zero) : null;
    }

    /// <summary>
    /// The earliest bin at or before <paramref name="until"/> whose source window was recomputed (late data)
    /// after its alarm records were computed, or null.
    /// </summary>
    public async Task<DateTimeOffset?> RecomputedSinceAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        DateTimeOffset? earliest = null;
        foreach (var table in Tables)
        {
            await using var command = dataSource.CreateCommand("""
                SELECT min(p.window_start) FROM mplane.partitions p
                WHERE p.schema_name = $1 AND p.table_name = $2 AND p.window_start <= $3
                  AND p.updated_at > (SELECT min(a.computed_at) FROM mplane.alarms a WHERE a.bin_start = p.window_start AND a.bin_seconds = $4)
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = table.Schema.Name });
            command.Parameters.Add(new NpgsqlParameter { Value = table.Table.Name });
            command.Parameters.Add(new NpgsqlParameter { Value = until, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = (int)settings.Bin.TotalSeconds });
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime at)
            {
                var bin = new DateTimeOffset(at, TimeSpan.Zero);
                earliest = earliest is { } e && e < bin ? e : bin;
            }
        }

        return earliest;
    }

    /// <summary>Each feature's distributions in [<paramref name="from"/>, <paramref name="to"/>), by bin.</summary>
    public async Task<Dictionary<string, Dictionary<DateTimeOffset, Distribution>>> DistributionsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var weights = settings.Features.ToDictionary(f => f, _ => new Dictionary<DateTimeOffset, List<KeyValuePair<string, double>>>(), StringComparer.Ordinal);
        var table = QualifiedName.Parse(settings.FeaturesTable);
        await using (var command = dataSource.CreateCommand(
            $"SELECT serial_time, feature, value, flows FROM {table.Quoted} WHERE serial_time >= $1 AND serial_time < $2 AND feature = ANY($3)"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = settings.Features.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var bins = weights[reader.GetString(1)];
                var bin = reader.GetFieldValue<DateTimeOffset>(0);
                if (!bins.TryGetValue(bin, out var list))
                {
                    bins[bin] = list = [];
                }

                list.Add(new(reader.IsDBNull(2) ? "-" : reader.GetString(2), reader.GetInt64(3)));
            }
        }

        return weights.ToDictionary(
            f => f.Key,
            f => f.Value.ToDictionary(b => b.Key, b => new Distribution(b.Value)),
            StringComparer.Ordinal);
    }

    /// <summary>Each count's values in [<paramref name="from"/>, <paramref name="to"/>), by bin.</summary>
    public async Task<Dictionary<string, Dictionary<DateTimeOffset, double>>> CountsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, Dictionary<DateTimeOffset, double>>(StringComparer.Ordinal);
        foreach (var source in settings.Counts)
        {
            var column = Identifier.Of(source.Column, "column");
            await using var command = dataSource.CreateCommand(
                $"SELECT serial_time, sum({column.Quoted})::float8 FROM {QualifiedName.Parse(source.Table).Quoted} WHERE serial_time >= $1 AND serial_time < $2 GROUP BY 1");
            command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var values = counts[source.Name] = [];
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                values[reader.GetFieldValue<DateTimeOffset>(0)] = reader.IsDBNull(1) ? 0 : reader.GetDouble(1);
            }
        }

        return counts;
    }
}
