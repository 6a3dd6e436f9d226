using Mplane.Configuration;
using Mplane.Postgres;
using Npgsql;

namespace Mplane.Testing;

/// <summary>
/// A fresh database on the test server (the private cluster scripts/test started, or MPLANE_PG),
/// dropped on dispose: each test class gets its own, so tests run in parallel without seeing each
/// other's tables.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _serverConnectionString;

    private TestDatabase(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    /// <summary>The database's name.</summary>
    public string Name { get; }

    /// <summary>Its connection string.</summary>
    public string ConnectionString { get; }

    /// <summary>A data source on it.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Creates a database named after <paramref name="purpose"/> and a random suffix.</summary>
    public static async Task<TestDatabase> CreateAsync(string purpose, CancellationToken cancellationToken)
    {
        var resolved = await new DatabaseLocator(TestPaths.Home, ProcessEnvironment.Instance)
            .ResolveAsync(null, cancellationToken).ConfigureAwait(false);
        var name = $"test_{purpose}_{Guid.NewGuid():N}"[..40].ToLowerInvariant();
        await using (var admin = new NpgsqlConnection(resolved.ConnectionString))
        {
            await admin.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return new TestDatabase(resolved.ConnectionString, name);
    }

    /// <summary>Runs a query and returns its first column's first value.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var value = await command.ExecuteScalarAsync(TestTimeout.Token).ConfigureAwait(false);
        return value is DBNull or null ? default! : (T)value;
    }

    /// <summary>Runs a statement.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestTimeout.Token).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync().ConfigureAwait(false);
        await using var admin = new NpgsqlConnection(_serverConnectionString);
        await admin.OpenAsync().ConfigureAwait(false);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
