using Mplane.Configuration;
using Mplane.Postgres;
using Npgsql;

namespace Mplane.Cli.Commands;

/// <summary>Opens the database the CLI works on: MPLANE_PG, the configuration file, or the embedded cluster.</summary>
internal static class Database
{
    public static Task<NpgsqlDataSource> OpenAsync(CancellationToken cancellationToken) =>
        OpenAsync(RepositoryConfiguration.Load(ProjectHome.Discover()), cancellationToken);

    /// <summary>Opens the database <paramref name="configuration"/> names (MPLANE_PG still first).</summary>
    public static async Task<NpgsqlDataSource> OpenAsync(RepositoryConfiguration configuration, CancellationToken cancellationToken)
    {
        var resolved = await new DatabaseLocator(ProjectHome.Discover(), ProcessEnvironment.Instance)
            .ResolveAsync(configuration, cancellationToken).ConfigureAwait(false);
        return NpgsqlDataSource.Create(resolved.ConnectionString);
    }
}
