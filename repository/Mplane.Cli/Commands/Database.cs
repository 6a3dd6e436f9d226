using Mplane.Configuration;
using Mplane.Postgres;
using Npgsql;

namespace Mplane.Cli.Commands;

/// <summary>Opens the database the CLI works on: MPLANE_PG, the configuration file, or the embedded cluster.</summary>
internal static class Database
{
    public static async Task<NpgsqlDataSource> OpenAsync(CancellationToken cancellationToken)
    {
        var home = ProjectHome.Discover();
        var resolved = await new DatabaseLocator(home, ProcessEnvironment.Instance)
            .ResolveAsync(RepositoryConfiguration.Load(home), cancellationToken).ConfigureAwait(false);
        return NpgsqlDataSource.Create(resolved.ConnectionString);
    }
}
