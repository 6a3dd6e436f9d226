using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Mplane.Components.Runtime;
using Mplane.Configuration;
using Mplane.RepositoryProxy;
using Mplane.Security;

namespace Mplane.Cli.Commands;

/// <summary>
/// <c>mplane proxy --config repository.conf</c>: the repository's mPlane proxy on its own, from a
/// component configuration in the reference's INI format (<c>[TLS]</c>, <c>[Roles]</c>,
/// <c>[Authorizations]</c>, <c>[component]</c>) plus our <c>[repository]</c> section: math_repo's
/// address for <c>repository-collect_log</c> and the limits of <c>repository-query_view</c>. The
/// warehouse is the one every <c>mplane</c> command uses (MPLANE_PG, conf/repository.yaml, or the
/// embedded cluster).
/// </summary>
internal static class ProxyCommand
{
    /// <summary>Our section of the .conf file.</summary>
    private const string Section = "repository";

    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "The proxy's .conf file (the reference's INI format plus a [repository] section).", Required = true };
        var command = new Command("proxy", "Run the repository's mPlane proxy: repository-collect_log, repository-list_tables, repository-query_view and repository-anomalies.") { config };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var conf = ComponentConf.Read("proxy", parse.GetValue(config)!);
            using var loggers = ComponentConf.Loggers();
            var metadata = RepositoryCapabilities.Metadata(conf.Conf.Get(Section, "system_id") ?? "repository-Proxy", conf.Conf.Get(Section, "system_version") ?? "0.1");
            var mathRepo = MathRepoUri(conf);
            var (certificate, ca) = conf.Tls();
            if (certificate is null)
            {
                // As the reference: without TLS there is no identity, so no authorization applies.
                await Console.Error.WriteLineAsync($"proxy: warning: {conf.File} has no [TLS] section: every peer may use every capability, including reading every table").ConfigureAwait(false);
            }

            var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10) };
            if (mathRepo.Scheme == Uri.UriSchemeHttps)
            {
                handler.SslOptions = MutualTls.ClientOptions(certificate, ca ?? throw conf.Problem("TLS", "ca-chain", $"is required to reach math_repo at {mathRepo}"));
            }

            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(1) };
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            IService[] services =
            [
                new CollectLogService(
                    new MathRepoCollections(http, mathRepo),
                    new CollectLogSettings(conf.Conf.Get(Section, "repository_url") ?? $"{mathRepo.Host}:{mathRepo.Port}", Span(conf, "collect_settle", "2m"), TimeSpan.FromSeconds(1)),
                    metadata,
                    loggers.CreateLogger<CollectLogService>()),
                new ListTablesService(dataSource, metadata),
                new AnomaliesService(dataSource, Rows(conf), metadata),
                new QueryViewService(
                    new ViewReader(dataSource),
                    new QueryViewSettings(Rows(conf), Size(conf, "query_max_size", "4 MB"), conf.Conf.Get(Section, "schema") ?? "public"),
                    metadata),
            ];
            return await conf.RunAsync(services, loggers, ct).ConfigureAwait(false);
        }));
        return command;
    }

    private static Uri MathRepoUri(ComponentConf conf)
    {
        var text = conf.Required(Section, "math_repo");
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && uri.AbsolutePath == "/"
            ? uri
            : throw conf.Problem(Section, "math_repo", $"'{text}' is not math_repo's address (https://host:port/)");
    }

    private static TimeSpan Span(ComponentConf conf, string key, string fallback)
    {
        var text = conf.Conf.Get(Section, key) ?? fallback;
        return Spans.TryParse(text, out var span) && span > TimeSpan.Zero ? span : throw conf.Problem(Section, key, $"'{text}' is not a duration such as 90s or 2m");
    }

    private static long Size(ComponentConf conf, string key, string fallback)
    {
        try
        {
            return Sizes.Parse(conf.Conf.Get(Section, key) ?? fallback, conf.File, key);
        }
        catch (ConfigurationException e)
        {
            throw conf.Problem(Section, key, e.Message);
        }
    }

    private static int Rows(ComponentConf conf)
    {
        var text = conf.Conf.Get(Section, "query_max_rows") ?? "10000";
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var rows) && rows > 0
            ? rows
            : throw conf.Problem(Section, "query_max_rows", $"'{text}' is not a positive whole number");
    }
}
