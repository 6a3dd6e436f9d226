using Mplane.Warehouse.Import;
using Mplane.Warehouse.Sql;
using Mplane.Warehouse.Tables;
using Npgsql;

namespace Mplane.Streams.Engine;

/// <summary>
/// Feeding a stream table from the import path: every file imported into a stream from then on also
/// inserts its rows into the stream table (the columns both have, by name), in the import's
/// transaction, and the insert wakes the continuous queries like any other.
/// </summary>
public sealed class StreamTees(NpgsqlDataSource dataSource, string schema = "public")
{
    private readonly Identifier _schema = Identifier.Of(schema, "schema");

    /// <summary>Tees <paramref name="stream"/> into the stream table <paramref name="table"/>; returns what was done, for the user.</summary>
    /// <exception cref="StreamException">No such stream table, or the stream's table shares no column with it.</exception>
    public async Task<string> AddAsync(string stream, Identifier table, CancellationToken cancellationToken)
    {
        var tee = await TeeAsync(stream, table, cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (!await IsStreamTableAsync(connection, table, cancellationToken).ConfigureAwait(false))
        {
            throw new StreamException($"no stream table {table.Name}: create it with CREATE STREAM TABLE first");
        }

        // A stream not imported yet has no table: its columns are matched at each import.
        if (await ContinuousTables.FindAsync(connection, tee.Stream, cancellationToken).ConfigureAwait(false) is not null)
        {
            var shared = await ImportTees.SharedColumnsAsync(connection, tee.Stream, tee.Target, cancellationToken).ConfigureAwait(false);
            if (shared.Count == 0)
            {
                throw new StreamException($"the stream {stream} and the stream table {table.Name} have no column in common: name the stream table's columns as the stream's");
            }

            await ImportTees.AddAsync(connection, tee, cancellationToken).ConfigureAwait(false);
            return $"stream {stream} teed into {table.Name}: its next imports insert {string.Join(", ", shared.Select(c => c.Name))}";
        }

        await ImportTees.AddAsync(connection, tee, cancellationToken).ConfigureAwait(false);
        return $"stream {stream} teed into {table.Name}: it has no table yet, the columns are matched by name at each import";
    }

    /// <summary>Stops teeing <paramref name="stream"/> into <paramref name="table"/>.</summary>
    /// <exception cref="StreamException">There was no such tee.</exception>
    public async Task<string> RemoveAsync(string stream, Identifier table, CancellationToken cancellationToken)
    {
        var tee = await TeeAsync(stream, table, cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ImportTees.RemoveAsync(connection, tee, cancellationToken).ConfigureAwait(false)
            ? $"stream {stream} no longer teed into {table.Name}"
            : throw new StreamException($"the stream {stream} is not teed into {table.Name}");
    }

    /// <summary>Every tee.</summary>
    public async Task<IReadOnlyList<ImportTee>> ListAsync(CancellationToken cancellationToken)
    {
        await StreamCatalog.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ImportTees.ListAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ImportTee> TeeAsync(string stream, Identifier table, CancellationToken cancellationToken)
    {
        Identifier name;
        try
        {
            name = ContinuousTables.TableName(stream);
        }
        catch (ArgumentException e)
        {
            throw new StreamException(e.Message);
        }

        await StreamCatalog.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        return new ImportTee(new QualifiedName(_schema, name), new QualifiedName(_schema, table));
    }

    private static async Task<bool> IsStreamTableAsync(NpgsqlConnection connection, Identifier table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM mplane.stream_tables WHERE name = $1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = table.Name });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
