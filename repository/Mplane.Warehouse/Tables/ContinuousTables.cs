using System.Globalization;
using Mplane.Warehouse.Sql;
using Npgsql;

namespace Mplane.Warehouse.Tables;

/// <summary>A continuous table as the catalogue knows it.</summary>
/// <param name="Name">Its schema-qualified name.</param>
/// <param name="Kind"><c>base</c> (imported) or <c>view</c> (a job's output).</param>
/// <param name="Window">Its window: one partition per window.</param>
/// <param name="RetainedFrom">Where retention cut it: windows before this were dropped and are never created again; null when nothing was dropped.</param>
/// <param name="LogFormat">For a base table, the kind of log it was created from (<c>log_tcp_complete</c>, <c>mawi_wide</c>, <c>tstat</c>...); null for views.</param>
public sealed record ContinuousTable(QualifiedName Name, string Kind, TableWindow Window, DateTimeOffset? RetainedFrom = null, string? LogFormat = null);

/// <summary>A window that retention already dropped from its table: it is not created again.</summary>
public sealed class RetiredWindowException(string message) : InvalidOperationException(message);

/// <summary>
/// Creates and finds continuous tables: parents partitioned by range on <c>serial_time</c>, one
/// partition per window, created on demand and registered in the catalogue. DDL runs under a
/// per-table advisory lock held to the end of the caller's transaction.
/// </summary>
public static class ContinuousTables
{
    /// <summary>The longest table name: partitions append <c>_</c> and ten digits of epoch seconds, and a job's staging copy one more character.</summary>
    public const int MaxNameLength = 48;

    /// <summary>Validates a continuous table's name.</summary>
    public static Identifier TableName(string name)
    {
        var identifier = Identifier.Of(name, "table name");
        return name.Length <= MaxNameLength
            ? identifier
            : throw new ArgumentException($"table name '{name}' is longer than {MaxNameLength} characters (its partitions add a suffix)");
    }

    /// <summary>Takes the table's DDL lock until the transaction ends.</summary>
    public static async Task LockAsync(NpgsqlConnection connection, QualifiedName table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('mplane.table:' || $1, 0))", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = table.Quoted });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The catalogue's entry for <paramref name="name"/>, or null.</summary>
    public static async Task<ContinuousTable?> FindAsync(NpgsqlConnection connection, QualifiedName name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT kind, window_seconds, retained_from, log_format FROM mplane.tables WHERE schema_name = $1 AND table_name = $2", connection)
        {
            Parameters = { new() { Value = name.Schema.Name }, new() { Value = name.Table.Name } },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new ContinuousTable(
                name, reader.GetString(0), new TableWindow(TimeSpan.FromSeconds(reader.GetInt32(1))),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetString(3))
            : null;
    }

    /// <summary>
    /// Creates the partitioned parent with <c>serial_time</c> and the given columns, and registers it;
    /// an existing table is returned as it is after checking that its window matches.
    /// </summary>
    public static async Task<ContinuousTable> EnsureAsync(
        NpgsqlConnection connection, QualifiedName name, string kind, TableWindow window,
        IReadOnlyList<ColumnDefinition> columns, string? logFormat, CancellationToken cancellationToken)
    {
        await LockAsync(connection, name, cancellationToken).ConfigureAwait(false);
        if (await FindAsync(connection, name, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            if (existing.Window != window)
            {
                throw new InvalidOperationException(
                    $"table {name} has {existing.Window.Length.TotalSeconds:0}-second windows; it cannot take {window.Length.TotalSeconds:0}-second windows");
            }

            return existing;
        }

        var columnSql = string.Join(",\n    ", columns.Select(c => $"{c.Name.Quoted} {c.SqlType}"));
        var ddl = $"""
            CREATE SCHEMA IF NOT EXISTS {name.Schema.Quoted};
            CREATE TABLE {name.Quoted} (
                {ColumnDefinition.SerialTime.Quoted} timestamptz NOT NULL{(columns.Count > 0 ? "," : string.Empty)}
                {columnSql}
            ) PARTITION BY RANGE ({ColumnDefinition.SerialTime.Quoted});
            """;
        await using (var create = new NpgsqlCommand(ddl, connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var register = new NpgsqlCommand(
            "INSERT INTO mplane.tables (schema_name, table_name, kind, window_seconds, log_format) VALUES ($1, $2, $3, $4, $5)", connection)
        {
            Parameters =
            {
                new() { Value = name.Schema.Name }, new() { Value = name.Table.Name }, new() { Value = kind },
                new() { Value = (int)window.Length.TotalSeconds }, new() { Value = (object?)logFormat ?? DBNull.Value },
            },
        })
        {
            await register.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return new ContinuousTable(name, kind, window, LogFormat: logFormat);
    }

    /// <summary>Creates a job's output table (a view in DBStream's sense) if it does not exist.</summary>
    public static Task<ContinuousTable> EnsureViewAsync(NpgsqlConnection connection, Jobs.JobDefinition job, CancellationToken cancellationToken) =>
        EnsureAsync(
            connection, job.Output, "view", job.OutputWindow,
            job.Columns.Select(c => new ColumnDefinition(c.Name, LogFormats.FieldDefinition.Unknown(c.Name.Name), c.Type)).ToList(),
            null, cancellationToken);

    /// <summary>The columns of an existing table, in order, without <c>serial_time</c>.</summary>
    public static async Task<IReadOnlyList<(string Name, string Type)>> ColumnsAsync(NpgsqlConnection connection, QualifiedName name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a
            WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'serial_time'
            ORDER BY a.attnum
            """, connection)
        {
            Parameters = { new() { Value = name.Quoted } },
        };
        var columns = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            columns.Add((reader.GetString(0), reader.GetString(1)));
        }

        return columns;
    }

    /// <summary>The partition's name for the window starting at <paramref name="start"/>.</summary>
    public static QualifiedName PartitionName(QualifiedName table, DateTimeOffset start) =>
        table with { Table = Identifier.Of($"{table.Table.Name}_{start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}", "partition name") };

    /// <summary>
    /// Creates the partition of the window starting at <paramref name="start"/> unless it exists;
    /// returns its name and whether this transaction created it. A window before the table's
    /// retention horizon is refused: recreating it would bring back a fragment of dropped data.
    /// </summary>
    /// <exception cref="RetiredWindowException">Retention already dropped this window.</exception>
    public static async Task<(QualifiedName Name, bool Created)> EnsurePartitionAsync(
        NpgsqlConnection connection, ContinuousTable table, DateTimeOffset start, CancellationToken cancellationToken)
    {
        if (!table.Window.IsAligned(start))
        {
            throw new ArgumentException($"{start:O} is not the start of a {table.Window.Length.TotalSeconds:0}-second window of {table.Name}");
        }

        await LockAsync(connection, table.Name, cancellationToken).ConfigureAwait(false);
        if (start < table.RetainedFrom)
        {
            throw new RetiredWindowException(
                $"the window {start:yyyy-MM-dd HH:mm:ss} UTC of {table.Name} is before its retention horizon " +
                $"({table.RetainedFrom:yyyy-MM-dd HH:mm:ss} UTC): retention dropped it, and it is not created again");
        }

        var partition = PartitionName(table.Name, start);
        var end = start + table.Window.Length;
        var ddl = $"CREATE TABLE IF NOT EXISTS {partition.Quoted} PARTITION OF {table.Name.Quoted} " +
                  $"FOR VALUES FROM ({TableWindow.Literal(start)}) TO ({TableWindow.Literal(end)})";
        await using (var create = new NpgsqlCommand(ddl, connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var register = new NpgsqlCommand(
            """
            INSERT INTO mplane.partitions (schema_name, table_name, window_start, window_end, partition_name)
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
            """, connection)
        {
            Parameters =
            {
                new() { Value = table.Name.Schema.Name }, new() { Value = table.Name.Table.Name },
                new() { Value = start }, new() { Value = end }, new() { Value = partition.Table.Name },
            },
        })
        {
            // The catalogue row is written in the same transaction as the table: a new row means a new table.
            var created = await register.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
            return (partition, created);
        }
    }
}
