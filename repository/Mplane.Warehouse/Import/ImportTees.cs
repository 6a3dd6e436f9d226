using Mplane.Warehouse.Sql;
using Mplane.Warehouse.Tables;
using Npgsql;

namespace Mplane.Warehouse.Import;

/// <summary>A stream whose imported rows are also inserted into <paramref name="Target"/>.</summary>
/// <param name="Stream">The stream's base table.</param>
/// <param name="Target">The table fed (a stream table, for continuous queries).</param>
public sealed record ImportTee(QualifiedName Stream, QualifiedName Target);

/// <summary>
/// Tees (<c>mplane.import_tees</c>): a stream's imported rows are also inserted into other tables,
/// in the import's own transaction, so a file's rows reach them exactly once, as they reach the
/// base table. The columns both tables have, by name, are copied; the target's other columns take
/// their defaults. Kept in the database, every importer (math_repo's, the CLI's) feeds them.
/// </summary>
public static class ImportTees
{
    /// <summary>Records that <paramref name="tee"/>'s stream feeds its target from its next import on.</summary>
    public static async Task AddAsync(NpgsqlConnection connection, ImportTee tee, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO mplane.import_tees (schema_name, stream, target_schema, target_table) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", connection);
        AddNames(command, tee);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops feeding; false when there was no such tee.</summary>
    public static async Task<bool> RemoveAsync(NpgsqlConnection connection, ImportTee tee, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "DELETE FROM mplane.import_tees WHERE schema_name = $1 AND stream = $2 AND target_schema = $3 AND target_table = $4", connection);
        AddNames(command, tee);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>Every tee, by stream.</summary>
    public static async Task<IReadOnlyList<ImportTee>> ListAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        await ReadAsync(connection, "SELECT schema_name, stream, target_schema, target_table FROM mplane.import_tees ORDER BY 1, 2, 3, 4", [], cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The columns <paramref name="target"/> can be fed from <paramref name="stream"/>'s table: those both
    /// have, by name, in the target's order (identity and generated columns fill themselves).
    /// </summary>
    public static async Task<IReadOnlyList<Identifier>> SharedColumnsAsync(
        NpgsqlConnection connection, QualifiedName stream, QualifiedName target, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT t.attname FROM pg_attribute t
            JOIN pg_attribute s ON s.attrelid = to_regclass($1) AND s.attname = t.attname AND s.attnum > 0 AND NOT s.attisdropped
            WHERE t.attrelid = to_regclass($2) AND t.attnum > 0 AND NOT t.attisdropped AND t.attidentity = '' AND t.attgenerated = ''
            ORDER BY t.attnum
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = stream.Quoted });
        command.Parameters.Add(new NpgsqlParameter { Value = target.Quoted });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var columns = new List<Identifier>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            columns.Add(Identifier.Of(reader.GetString(0), "column"));
        }

        return columns;
    }

    /// <summary>
    /// Inserts the rows this transaction wrote into <paramref name="stream"/>'s windows from
    /// <paramref name="from"/> up to <paramref name="to"/> into each of its tees' targets; returns the
    /// rows inserted per target. Throws <see cref="ImportException"/> naming the tee when a target is
    /// gone or shares no column: the file is then not imported, rather than imported without its tee.
    /// </summary>
    internal static async Task<IReadOnlyList<(ImportTee Tee, long Rows)>> FeedAsync(
        NpgsqlConnection connection, QualifiedName stream, DateTimeOffset from, DateTimeOffset to, string path, CancellationToken cancellationToken)
    {
        var tees = await ReadAsync(
            connection, "SELECT schema_name, stream, target_schema, target_table FROM mplane.import_tees WHERE schema_name = $1 AND stream = $2 ORDER BY 3, 4",
            [stream.Schema.Name, stream.Table.Name], cancellationToken).ConfigureAwait(false);
        var fed = new List<(ImportTee, long)>(tees.Count);
        foreach (var tee in tees)
        {
            var columns = await SharedColumnsAsync(connection, stream, tee.Target, cancellationToken).ConfigureAwait(false);
            if (columns.Count == 0)
            {
                throw new ImportException(
                    $"{path}: not imported, the stream {stream} is teed into {tee.Target}, which does not exist or has no column of the stream; " +
                    $"remove the tee (mplane streams untee) or create the table");
            }

            var list = string.Join(", ", columns.Select(c => c.Quoted));
            // Only this transaction's rows: the windows may hold rows of other files. A sequential scan
            // returns them in the order they were written, which is the file's: the stream table's arrival order.
            await using var command = new NpgsqlCommand(
                $"""
                INSERT INTO {tee.Target.Quoted} ({list})
                SELECT {list} FROM {stream.Quoted}
                WHERE {ColumnDefinition.SerialTime.Quoted} >= $1 AND {ColumnDefinition.SerialTime.Quoted} < $2 AND xmin = pg_current_xact_id()::xid
                """,
                connection);
            command.Parameters.Add(new NpgsqlParameter { Value = from });
            command.Parameters.Add(new NpgsqlParameter { Value = to });
            try
            {
                fed.Add((tee, await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false)));
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DatatypeMismatch or PostgresErrorCodes.InvalidTextRepresentation
                                                  or PostgresErrorCodes.NotNullViolation or PostgresErrorCodes.CheckViolation or PostgresErrorCodes.NumericValueOutOfRange
                                                  or PostgresErrorCodes.StringDataRightTruncation or PostgresErrorCodes.InsufficientPrivilege)
            {
                throw new ImportException($"{path}: not imported, its rows cannot be teed into {tee.Target}: {e.MessageText}", e);
            }
        }

        return fed;
    }

    private static async Task<List<ImportTee>> ReadAsync(NpgsqlConnection connection, string sql, object[] values, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var tees = new List<ImportTee>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tees.Add(new ImportTee(
                new QualifiedName(Identifier.Of(reader.GetString(0), "schema"), Identifier.Of(reader.GetString(1), "stream")),
                new QualifiedName(Identifier.Of(reader.GetString(2), "schema"), Identifier.Of(reader.GetString(3), "table"))));
        }

        return tees;
    }

    private static void AddNames(NpgsqlCommand command, ImportTee tee)
    {
        foreach (var name in new[] { tee.Stream.Schema.Name, tee.Stream.Table.Name, tee.Target.Schema.Name, tee.Target.Table.Name })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = name });
        }
    }
}
