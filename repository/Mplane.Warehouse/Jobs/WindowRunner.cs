using System.Diagnostics;
using System.Globalization;
using Mplane.Warehouse.Sql;
using Mplane.Warehouse.Tables;
using Npgsql;

namespace Mplane.Warehouse.Jobs;

/// <summary>The outcome of one window of one job.</summary>
/// <param name="Job">The job.</param>
/// <param name="WindowStart">The window.</param>
/// <param name="Rows">Rows written.</param>
/// <param name="Duration">How long it took.</param>
/// <param name="Recompute">Whether it replaced an earlier result.</param>
public sealed record WindowRun(string Job, DateTimeOffset WindowStart, long Rows, TimeSpan Duration, bool Recompute);

/// <summary>
/// Computes one window of a job inside the caller's transaction: input slices become temporary
/// views, the query fills a fresh table that carries the window's CHECK constraint, and that table
/// replaces the window's partition of the output. Committed, the window is complete; rolled back,
/// it is as before. Never half written, never duplicated.
/// </summary>
public static class WindowRunner
{
    /// <summary>Runs <paramref name="job"/> for the window starting at <paramref name="windowStart"/>.</summary>
    public static async Task<WindowRun> RunAsync(
        NpgsqlConnection connection, JobDefinition job, DateTimeOffset windowStart, bool recompute, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var windowEnd = windowStart + job.Window;

        // The table's DDL lock first, as every other writer of the table takes it (no lock-order inversion).
        await ContinuousTables.LockAsync(connection, job.Output, cancellationToken).ConfigureAwait(false);
        var output = new ContinuousTable(job.Output, "view", job.OutputWindow);
        var partition = ContinuousTables.PartitionName(job.Output, windowStart);
        var staging = job.Output with { Table = Identifier.Of(partition.Table.Name + "n", "staging table") };

        var views = new List<string>();
        var sql = new System.Text.StringBuilder();
        for (var i = 0; i < job.Inputs.Count; i++)
        {
            var (from, to) = job.Inputs[i].SliceFor(windowStart, job.Window);
            var view = $"mplane_in{i.ToString(CultureInfo.InvariantCulture)}";
            views.Add(view);
            sql.Append(CultureInfo.InvariantCulture, $"CREATE TEMP VIEW {view} AS SELECT * FROM {job.Inputs[i].Table.Quoted} ")
               .Append(CultureInfo.InvariantCulture, $"WHERE serial_time >= {TableWindow.Literal(from)} AND serial_time < {TableWindow.Literal(to)};\n");
        }

        sql.Append(CultureInfo.InvariantCulture, $"CREATE TEMP VIEW mplane_prev AS SELECT * FROM {job.Output.Quoted} ")
           .Append(CultureInfo.InvariantCulture, $"WHERE serial_time >= {TableWindow.Literal(windowStart - job.Window)} AND serial_time < {TableWindow.Literal(windowStart)};\n");
        sql.Append(CultureInfo.InvariantCulture, $"DROP TABLE IF EXISTS {staging.Quoted};\n")
           .Append(CultureInfo.InvariantCulture, $"CREATE TABLE {staging.Quoted} (LIKE {job.Output.Quoted} INCLUDING DEFAULTS, ")
           .Append(CultureInfo.InvariantCulture, $"CONSTRAINT {Identifier.Of(staging.Table.Name + "_w", "constraint").Quoted} CHECK (serial_time >= {TableWindow.Literal(windowStart)} AND serial_time < {TableWindow.Literal(windowEnd)}));\n");
        await ExecuteAsync(connection, sql.ToString(), cancellationToken).ConfigureAwait(false);

        long rows;
        try
        {
            // A window's query may legitimately run long: no client-side timeout (cancellation still stops it).
            await using var insert = new NpgsqlCommand($"INSERT INTO {staging.Quoted} {Expand(job, windowStart)}", connection) { CommandTimeout = 0 };
            rows = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CheckViolation)
        {
            throw new JobFailedException($"job {job.Name} produced rows outside its window {windowStart:O} .. {windowEnd:O}: serial_time must lie in the window (use __STARTTS)", e);
        }

        var finish = new System.Text.StringBuilder();
        foreach (var index in job.Indexes)
        {
            finish.Append(CultureInfo.InvariantCulture, $"CREATE INDEX ON {staging.Quoted} ({index.Quoted});\n");
        }

        // Swap: the old partition (if any) leaves, the new one takes its name and place.
        finish.Append(CultureInfo.InvariantCulture, $"DROP TABLE IF EXISTS {partition.Quoted};\n")
              .Append(CultureInfo.InvariantCulture, $"ALTER TABLE {staging.Quoted} RENAME TO {partition.Table.Quoted};\n")
              .Append(CultureInfo.InvariantCulture, $"ALTER TABLE {job.Output.Quoted} ATTACH PARTITION {partition.Quoted} FOR VALUES FROM ({TableWindow.Literal(windowStart)}) TO ({TableWindow.Literal(windowEnd)});\n");
        foreach (var view in views.Append("mplane_prev"))
        {
            finish.Append(CultureInfo.InvariantCulture, $"DROP VIEW {view};\n");
        }

        await ExecuteAsync(connection, finish.ToString(), cancellationToken).ConfigureAwait(false);
        await ContinuousTables.EnsurePartitionAsync(connection, output, windowStart, cancellationToken).ConfigureAwait(false);
        await using (var count = new NpgsqlCommand(
            "UPDATE mplane.partitions SET row_count = $4, indexed = true, updated_at = now() WHERE schema_name = $1 AND table_name = $2 AND window_start = $3",
            connection)
        {
            Parameters = { new() { Value = job.Output.Schema.Name }, new() { Value = job.Output.Table.Name }, new() { Value = windowStart }, new() { Value = rows } },
        })
        {
            await count.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return new WindowRun(job.Name, windowStart, rows, clock.Elapsed, recompute);
    }

    /// <summary>The query with its placeholders replaced in one pass (so <c>__IN1</c> never eats into <c>__IN10</c>).</summary>
    public static string Expand(JobDefinition job, DateTimeOffset windowStart)
    {
        var windowEnd = windowStart + job.Window;
        return JobDefinition.Placeholder().Replace(job.Query, match => match.Groups[1].Value switch
        {
            "STARTTS" => $"{TableWindow.Literal(windowStart)}::timestamptz",
            "ENDTS" => $"{TableWindow.Literal(windowEnd)}::timestamptz",
            "STARTTS64" => ((ulong)windowStart.ToUnixTimeSeconds() << 32).ToString(CultureInfo.InvariantCulture),
            "ENDTS64" => ((ulong)windowEnd.ToUnixTimeSeconds() << 32).ToString(CultureInfo.InvariantCulture),
            "PREV" => "mplane_prev",
            var input => "mplane_in" + input[2..],
        });
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A job window that failed for a reason in the job's definition (its query, its output).</summary>
public sealed class JobFailedException(string message, Exception? inner = null) : Exception(message, inner);
