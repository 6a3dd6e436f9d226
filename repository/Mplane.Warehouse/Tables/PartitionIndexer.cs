using Mplane.Warehouse.Sql;
using Npgsql;

namespace Mplane.Warehouse.Tables;

/// <summary>
/// Creates a base table's configured indexes on each partition once it is filled (its window closed),
/// not while rows still stream in: loading stays fast and queries on closed windows use the index.
/// </summary>
public static class PartitionIndexer
{
    /// <summary><c>partition_column</c>, or, when that exceeds 63 bytes, a prefix and a hash that keep names distinct.</summary>
    private static Identifier IndexName(string partition, string column)
    {
        var name = $"{partition}_{column}";
        if (name.Length <= 63)
        {
            return Identifier.Of(name, "index name");
        }

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..12];
        return Identifier.Of($"{name[..50]}_{hash}", "index name");
    }

    /// <summary>Sets the columns to index on the table's partitions (each must be a column of the table).</summary>
    public static async Task SetIndexColumnsAsync(NpgsqlConnection connection, QualifiedName table, IReadOnlyList<string> columns, CancellationToken cancellationToken)
    {
        var existing = (await ContinuousTables.ColumnsAsync(connection, table, cancellationToken).ConfigureAwait(false)).Select(c => c.Name).Append("serial_time").ToHashSet();
        foreach (var column in columns)
        {
            if (!existing.Contains(Identifier.Of(column, "index column").Name))
            {
                throw new ArgumentException($"cannot index {table} on '{column}': the table has no such column");
            }
        }

        await using var update = new NpgsqlCommand(
            "UPDATE mplane.tables SET index_columns = $3 WHERE schema_name = $1 AND table_name = $2", connection)
        {
            Parameters = { new() { Value = table.Schema.Name }, new() { Value = table.Table.Name }, new() { Value = columns.ToArray() } },
        };
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Indexes every closed, not yet indexed partition of <paramref name="table"/>; returns how many.</summary>
    public static async Task<int> IndexClosedPartitionsAsync(NpgsqlDataSource dataSource, QualifiedName table, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var work = new List<(string Partition, DateTimeOffset Start, string[] Columns)>();
        await using (var select = new NpgsqlCommand(
            """
            SELECT p.partition_name, p.window_start, t.index_columns
            FROM mplane.partitions p
            JOIN mplane.tables t USING (schema_name, table_name)
            JOIN mplane.stream_progress s ON s.schema_name = p.schema_name AND s.stream = p.table_name
            WHERE p.schema_name = $1 AND p.table_name = $2 AND NOT p.indexed AND p.window_end <= s.complete_before
            ORDER BY p.window_start
            """, connection)
        {
            Parameters = { new() { Value = table.Schema.Name }, new() { Value = table.Table.Name } },
        })
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                work.Add((reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<string[]>(2)));
            }
        }

        foreach (var (partitionName, start, columns) in work)
        {
            var partition = table with { Table = Identifier.Of(partitionName, "partition name") };
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            foreach (var column in columns.Select(c => Identifier.Of(c, "index column")))
            {
                var index = IndexName(partitionName, column.Name);
                await using var create = new NpgsqlCommand($"CREATE INDEX IF NOT EXISTS {index.Quoted} ON {partition.Quoted} ({column.Quoted})", connection);
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var mark = new NpgsqlCommand(
                "UPDATE mplane.partitions SET indexed = true WHERE schema_name = $1 AND table_name = $2 AND window_start = $3", connection)
            {
                Parameters = { new() { Value = table.Schema.Name }, new() { Value = table.Table.Name }, new() { Value = start } },
            })
            {
                await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return work.Count;
    }
}
