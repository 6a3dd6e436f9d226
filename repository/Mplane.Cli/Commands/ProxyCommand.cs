using System.CommandLine;
using Mplane.RepositoryProxy;

namespace Mplane.Cli.Commands;

/// <summary>
/// <c>mplane proxy --config repository.conf</c>: the repository's mPlane proxy on its own
/// (<see cref="ProxyRunner"/>), from a component configuration in the reference's INI format
/// (<c>[TLS]</c>, <c>[Roles]</c>, <c>[Authorizations]</c>, <c>[component]</c>) plus our
/// <c>[repository]</c> section: math_repo's address for <c>repository-collect_log</c> and the limits of
/// <c>repository-query_view</c>. The warehouse is the one every <c>mplane</c> command uses (MPLANE_PG,
/// conf/repository.yaml, or the embedded cluster).
/// </summary>
internal static class ProxyCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "The proxy's .conf file (the reference's INI format plus a [repository] section).", Required = true };
        var command = new Command("proxy", "Run the repository's mPlane proxy: repository-collect_log, repository-list_tables, repository-query_view and repository-anomalies.") { config };
        command.SetAction((parse, ct) => ComponentCommand.RunAsync("proxy", async () =>
        {
            var file = parse.GetValue(config)!;
            ProxyRunner.Validate(file); // a wrong file is named before the database is opened
            using var loggers = ConsoleLoggers.Create();
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            await ProxyRunner.RunAsync(file, dataSource, loggers, ct).ConfigureAwait(false);
        }));
        return command;
    }
}
