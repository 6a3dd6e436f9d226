using Mplane.Warehouse.Catalogue;
using Mplane.Warehouse.Tables;
using Npgsql;

namespace Mplane.Warehouse.Jobs;

/// <summary>The state of a job in the database.</summary>
/// <param name="NextWindow">The start of the first window not yet computed (null before the first).</param>
/// <param name="Recompute">Computed windows marked for recomputation, oldest first.</param>
/// <param name="RetryAfter">While failing: when to try again.</param>
public sealed record JobState(DateTimeOffset? NextWindow, IReadOnlyList<DateTimeOffset> Recompute, DateTimeOffset? RetryAfter);

/// <summary>
/// Keeps the database's view of the jobs in step with their definitions: registers each job, its
/// inputs and its output table; a job's progress survives restarts and definition reloads.
/// </summary>
public static class JobCatalog
{
    /// <summary>Registers the jobs and creates their output tables.</summary>
    public static async Task SyncAsync(NpgsqlDataSource dataSource, IReadOnlyList<JobDefinition> jobs, CancellationToken cancellationToken)
    {
        await CatalogueSchema.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        foreach (var job in jobs)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ContinuousTables.EnsureViewAsync(connection, job, cancellationToken).ConfigureAwait(false);
            await using (var upsert = new NpgsqlCommand(
                """
                INSERT INTO mplane.jobs (name, description, output_schema, output_table, window_seconds, priority, definition_hash)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (name) DO UPDATE SET description = excluded.description, priority = excluded.priority,
                    definition_hash = excluded.definition_hash, output_schema = excluded.output_schema,
                    output_table = excluded.output_table, window_seconds = excluded.window_seconds, updated_at = now()
                """, connection)
            {
                Parameters =
                {
                    new() { Value = job.Name }, new() { Value = job.Description }, new() { Value = job.Output.Schema.Name },
                    new() { Value = job.Output.Table.Name }, new() { Value = (int)job.Window.TotalSeconds },
                    new() { Value = job.Priority }, new() { Value = job.Hash },
                },
            })
            {
                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var clear = new NpgsqlCommand("DELETE FROM mplane.job_inputs WHERE job = $1", connection) { Parameters = { new() { Value = job.Name } } })
            {
                await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            for (var i = 0; i < job.Inputs.Count; i++)
            {
                var input = job.Inputs[i];
                await using var insert = new NpgsqlCommand(
                    "INSERT INTO mplane.job_inputs (job, position, input_schema, input_table, slice_seconds, delay_seconds) VALUES ($1, $2, $3, $4, $5, $6)",
                    connection)
                {
                    Parameters =
                    {
                        new() { Value = job.Name }, new() { Value = i }, new() { Value = input.Table.Schema.Name },
                        new() { Value = input.Table.Table.Name }, new() { Value = (int)input.Slice.TotalSeconds },
                        new() { Value = (int)input.Delay.TotalSeconds },
                    },
                };
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a job's progress.</summary>
    public static async Task<JobState> StateAsync(NpgsqlConnection connection, string job, CancellationToken cancellationToken)
    {
        DateTimeOffset? next = null, retry = null;
        await using (var command = new NpgsqlCommand("SELECT next_window, retry_after FROM mplane.jobs WHERE name = $1", connection) { Parameters = { new() { Value = job } } })
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                next = reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0);
                retry = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
            }
        }

        var recompute = new List<DateTimeOffset>();
        await using (var command = new NpgsqlCommand("SELECT window_start FROM mplane.recompute WHERE job = $1 ORDER BY window_start", connection) { Parameters = { new() { Value = job } } })
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                recompute.Add(reader.GetFieldValue<DateTimeOffset>(0));
            }
        }

        return new JobState(next, recompute, retry);
    }

    /// <summary>
    /// Marks for recomputation every computed window of every job whose input slice overlaps
    /// [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="table"/>: late data there
    /// changed what those windows would hold.
    /// </summary>
    public static async Task<int> MarkDependentsAsync(
        NpgsqlConnection connection, Sql.QualifiedName table, DateTimeOffset from, DateTimeOffset to, string reason, CancellationToken cancellationToken)
    {
        // For a job window t of length w reading slice s with delay d, the slice is [t + w - d - s, t + w - d):
        // it overlaps [from, to) when t is in (from - w + d, to - w + d + s). Only computed windows (t < next_window) count.
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO mplane.recompute (job, window_start, reason)
            SELECT j.name, t, $5
            FROM mplane.jobs j
            JOIN mplane.job_inputs i ON i.job = j.name AND i.input_schema = $1 AND i.input_table = $2
            LEFT JOIN mplane.tables o ON o.schema_name = j.output_schema AND o.table_name = j.output_table
            CROSS JOIN LATERAL generate_series(
                to_timestamp(floor(extract(epoch FROM $3::timestamptz - make_interval(secs => j.window_seconds - i.delay_seconds)) / j.window_seconds) * j.window_seconds),
                $4::timestamptz - make_interval(secs => j.window_seconds - i.delay_seconds - i.slice_seconds),
                make_interval(secs => j.window_seconds)) AS t
            WHERE j.next_window IS NOT NULL AND t < j.next_window
              AND (o.retained_from IS NULL OR t >= o.retained_from)
              AND t + make_interval(secs => j.window_seconds - i.delay_seconds) > $3
              AND t + make_interval(secs => j.window_seconds - i.delay_seconds - i.slice_seconds) < $4
            FOR SHARE OF j
            ON CONFLICT DO NOTHING
            """, connection)
        {
            Parameters =
            {
                new() { Value = table.Schema.Name }, new() { Value = table.Table.Name }, new() { Value = from },
                new() { Value = to }, new() { Value = reason },
            },
        };
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Forgets everything a job computed: drops its output partitions and restarts it from its first window.</summary>
    public static async Task<int> ResetAsync(NpgsqlDataSource dataSource, JobDefinition job, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var wait = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('mplane.job:' || $1, 0))", connection) { Parameters = { new() { Value = job.Name } } })
        {
            await wait.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var partitions = new List<string>();
        await using (var list = new NpgsqlCommand(
            "DELETE FROM mplane.partitions WHERE schema_name = $1 AND table_name = $2 RETURNING partition_name", connection)
        {
            Parameters = { new() { Value = job.Output.Schema.Name }, new() { Value = job.Output.Table.Name } },
        })
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                partitions.Add(reader.GetString(0));
            }
        }

        foreach (var partition in partitions)
        {
            var name = job.Output with { Table = Sql.Identifier.Of(partition, "partition name") };
            await using var drop = new NpgsqlCommand($"DROP TABLE IF EXISTS {name.Quoted}", connection);
            await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var reset = new NpgsqlCommand(
            """
            UPDATE mplane.jobs SET next_window = NULL, failures = 0, retry_after = NULL, last_error = NULL, updated_at = now() WHERE name = $1;
            DELETE FROM mplane.recompute WHERE job = $1;
            """, connection)
        {
            Parameters = { new() { Value = job.Name } },
        })
        {
            await reset.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Every window is computed afresh: none of them counts as dropped by retention any more.
        await using (var horizon = new NpgsqlCommand("UPDATE mplane.tables SET retained_from = NULL WHERE schema_name = $1 AND table_name = $2", connection)
        {
            Parameters = { new() { Value = job.Output.Schema.Name }, new() { Value = job.Output.Table.Name } },
        })
        {
            await horizon.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return partitions.Count;
    }
}
