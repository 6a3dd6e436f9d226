using Mplane.Warehouse.Tables;
using Npgsql;

namespace Mplane.Warehouse.Retention;

/// <summary>A partition dropped by retention.</summary>
/// <param name="Table">Its table.</param>
/// <param name="WindowStart">Its window.</param>
/// <param name="Bytes">Its size when dropped.</param>
/// <param name="Reason"><c>age</c> or <c>size</c>.</param>
public sealed record DroppedPartition(string Table, DateTimeOffset WindowStart, long Bytes, string Reason);

/// <summary>
/// Applies retention policies by dropping whole oldest partitions, never one that a job still
/// needs: a partition goes only when every job reading the table has consumed its window (and has
/// no recomputation pending).
/// </summary>
public static class RetentionRunner
{
    /// <summary>Applies every policy once.</summary>
    public static async Task<IReadOnlyList<DroppedPartition>> RunAsync(NpgsqlDataSource dataSource, IReadOnlyList<RetentionPolicy> policies, CancellationToken cancellationToken)
    {
        await Catalogue.CatalogueSchema.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        var dropped = new List<DroppedPartition>();
        foreach (var policy in policies)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ContinuousTables.LockAsync(connection, policy.Table, cancellationToken).ConfigureAwait(false);
            var partitions = await PartitionsAsync(connection, policy, cancellationToken).ConfigureAwait(false);
            if (partitions.Count == 0)
            {
                continue;
            }

            var newest = partitions.Max(p => p.End);
            var total = partitions.Sum(p => p.Bytes);
            foreach (var partition in partitions)
            {
                var reason = policy.MaxAge is { } age && partition.End <= newest - age ? "age"
                    : policy.MaxBytes is { } quota && total > quota ? "size"
                    : null;
                if (reason is null || !partition.Consumed)
                {
                    break; // oldest first: stop at the first partition that stays
                }

                var name = policy.Table with { Table = Sql.Identifier.Of(partition.Name, "partition name") };
                await using (var drop = new NpgsqlCommand($"DROP TABLE {name.Quoted}", connection))
                {
                    await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using (var forget = new NpgsqlCommand(
                    "DELETE FROM mplane.partitions WHERE schema_name = $1 AND table_name = $2 AND window_start = $3", connection)
                {
                    Parameters = { new() { Value = policy.Table.Schema.Name }, new() { Value = policy.Table.Table.Name }, new() { Value = partition.Start } },
                })
                {
                    await forget.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using (var horizon = new NpgsqlCommand(
                    "UPDATE mplane.tables SET retained_from = greatest(retained_from, $3) WHERE schema_name = $1 AND table_name = $2", connection)
                {
                    Parameters = { new() { Value = policy.Table.Schema.Name }, new() { Value = policy.Table.Table.Name }, new() { Value = partition.End } },
                })
                {
                    await horizon.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                total -= partition.Bytes;
                dropped.Add(new DroppedPartition(policy.Table.Quoted, partition.Start, partition.Bytes, reason));
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return dropped;
    }

    private static async Task<List<(string Name, DateTimeOffset Start, DateTimeOffset End, long Bytes, bool Consumed)>> PartitionsAsync(
        NpgsqlConnection connection, RetentionPolicy policy, CancellationToken cancellationToken)
    {
        // Consumed: every job reading the table has computed every window whose slice reaches into this
        // partition (its next window's slice starts at or after the partition's end) and has nothing to recompute.
        await using var command = new NpgsqlCommand(
            """
            SELECT p.partition_name, p.window_start, p.window_end,
                   coalesce(pg_total_relation_size(to_regclass(quote_ident(p.schema_name) || '.' || quote_ident(p.partition_name))), 0),
                   NOT EXISTS (
                       SELECT 1 FROM mplane.job_inputs i JOIN mplane.jobs j ON j.name = i.job
                       WHERE i.input_schema = p.schema_name AND i.input_table = p.table_name
                         AND (j.next_window IS NULL
                              OR j.next_window + make_interval(secs => j.window_seconds - i.delay_seconds - i.slice_seconds) < p.window_end
                              OR EXISTS (SELECT 1 FROM mplane.recompute r WHERE r.job = j.name)))
            FROM mplane.partitions p
            WHERE p.schema_name = $1 AND p.table_name = $2
            ORDER BY p.window_start
            """, connection)
        {
            Parameters = { new() { Value = policy.Table.Schema.Name }, new() { Value = policy.Table.Table.Name } },
        };
        var list = new List<(string, DateTimeOffset, DateTimeOffset, long, bool)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add((reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt64(3), reader.GetBoolean(4)));
        }

        return list;
    }
}
