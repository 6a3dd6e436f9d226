using Microsoft.Extensions.Logging;
using Mplane.Configuration;
using Npgsql;

namespace Mplane.Postgres;

/// <summary>Where the connection string came from.</summary>
public enum DatabaseSource
{
    /// <summary>The environment variable <c>MPLANE_PG</c>.</summary>
    Environment,

    /// <summary>The <c>database.connection</c> key of the configuration file.</summary>
    ConfigurationFile,

    /// <summary>The embedded private cluster (started when needed).</summary>
    Embedded,
}

/// <summary>The database a program is to use.</summary>
/// <param name="ConnectionString">An Npgsql connection string.</param>
/// <param name="Source">Where it came from.</param>
/// <param name="Cluster">The embedded cluster's start result, when that is the source.</param>
public sealed record ResolvedDatabase(string ConnectionString, DatabaseSource Source, StartResult? Cluster)
{
    /// <summary>The connection string with its password hidden, for messages.</summary>
    public string Display => new NpgsqlConnectionStringBuilder(ConnectionString) { Password = null }.ConnectionString;
}

/// <summary>
/// The one place that decides which PostgreSQL server the repository, the tools and the tests use:
/// <c>MPLANE_PG</c> if set, else <c>database.connection</c> of the configuration, else the embedded
/// cluster in <c>&lt;data&gt;/pg</c>, started (and created) on demand.
/// </summary>
public sealed class DatabaseLocator(ProjectHome home, IEnvironment environment, ILoggerFactory? loggerFactory = null)
{
    /// <summary>The environment variable that names an existing server.</summary>
    public const string ConnectionVariable = "MPLANE_PG";

    /// <summary>The embedded cluster of this home.</summary>
    public EmbeddedCluster EmbeddedCluster() => new(
        new ClusterLayout(Path.Combine(home.DataDirectory, "pg")),
        PostgresBinaries.Locate(environment),
        new ProcessRunner(),
        loggerFactory?.CreateLogger<EmbeddedCluster>());

    /// <summary>The configured connection string, or null when the embedded cluster is to be used.</summary>
    public (string ConnectionString, DatabaseSource Source)? Configured(RepositoryConfiguration? configuration)
    {
        var fromEnvironment = environment.Get(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return (Validate(fromEnvironment, ConnectionVariable), DatabaseSource.Environment);
        }

        var fromFile = configuration?.Database.Connection;
        return string.IsNullOrWhiteSpace(fromFile)
            ? null
            : (Validate(fromFile, "database.connection"), DatabaseSource.ConfigurationFile);
    }

    /// <summary>Resolves the database, starting the embedded cluster when nothing else is configured.</summary>
    public async Task<ResolvedDatabase> ResolveAsync(RepositoryConfiguration? configuration, CancellationToken cancellationToken)
    {
        if (Configured(configuration) is { } configured)
        {
            return new ResolvedDatabase(configured.ConnectionString, configured.Source, null);
        }

        var started = await EmbeddedCluster().StartAsync(cancellationToken).ConfigureAwait(false);
        return new ResolvedDatabase(started.Connection.ConnectionString(), DatabaseSource.Embedded, started);
    }

    private static string Validate(string connectionString, string source)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
            return connectionString;
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(source, null, $"not a valid PostgreSQL connection string: {e.Message}", inner: e);
        }
    }
}
