using System.Globalization;
using Microsoft.Extensions.Logging;
using Mplane.Components.Runtime;
using Mplane.Configuration;
using Mplane.Security;
using Npgsql;

namespace Mplane.RepositoryProxy;

/// <summary>
/// The repository's mPlane proxy, run from a component configuration in the reference's INI format
/// (<c>[TLS]</c>, <c>[Roles]</c>, <c>[Authorizations]</c>, <c>[component]</c>, either workflow) plus our
/// <c>[repository]</c> section: <c>math_repo</c> (math_repo's address, required) and
/// <c>repository_url</c>, <c>collect_settle</c> for <c>repository-collect_log</c>;
/// <c>query_max_rows</c>, <c>query_max_size</c>, <c>schema</c> for <c>repository-query_view</c> and
/// <c>repository-anomalies</c>; <c>system_id</c>, <c>system_version</c> for the capabilities' metadata.
/// Every problem is a <see cref="ComponentConfException"/> naming the file, section and key.
/// </summary>
public static class ProxyRunner
{
    /// <summary>Our section of the .conf file.</summary>
    public const string Section = "repository";

    /// <summary>Reads and checks <paramref name="confFile"/> without starting anything.</summary>
    /// <exception cref="ComponentConfException">The file cannot be read, or a key is missing or wrong.</exception>
    public static void Validate(string confFile) => ProxySettings.Read(confFile);

    /// <summary>
    /// Serves <c>repository-collect_log</c>, <c>repository-list_tables</c>, <c>repository-query_view</c>
    /// and <c>repository-anomalies</c> over <paramref name="dataSource"/> in the configured workflow until
    /// <paramref name="cancellationToken"/> is cancelled, then returns.
    /// </summary>
    /// <exception cref="ComponentConfException">The configuration is wrong, or grants the supervisor nothing.</exception>
    public static async Task RunAsync(string confFile, NpgsqlDataSource dataSource, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var settings = ProxySettings.Read(confFile);
        var conf = settings.Component;
        var (certificate, ca) = conf.Tls();
        if (certificate is null)
        {
            // As the reference: without TLS there is no identity, so no authorization applies.
            loggers.CreateLogger(typeof(ProxyRunner)).LogWarning(
                "{File} has no [TLS] section: every peer may use every capability, including reading every table", conf.File);
        }

        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10) };
        if (settings.MathRepo.Scheme == Uri.UriSchemeHttps)
        {
            handler.SslOptions = MutualTls.ClientOptions(certificate, ca!); // checked by ProxySettings.Read
        }

        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(1) };
        IService[] services =
        [
            new CollectLogService(
                new MathRepoCollections(http, settings.MathRepo),
                new CollectLogSettings(settings.RepositoryUrl, settings.CollectSettle, TimeSpan.FromSeconds(1)),
                settings.Metadata,
                loggers.CreateLogger<CollectLogService>()),
            new ListTablesService(dataSource, settings.Metadata),
            new AnomaliesService(dataSource, settings.MaxRows, settings.Metadata),
            new QueryViewService(new ViewReader(dataSource), new QueryViewSettings(settings.MaxRows, settings.MaxSize, settings.Schema), settings.Metadata),
        ];
        await conf.RunAsync(services, loggers, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The proxy's configuration, read and checked.</summary>
    private sealed record ProxySettings(
        ComponentConf Component, Uri MathRepo, string RepositoryUrl, TimeSpan CollectSettle, int MaxRows, long MaxSize, string Schema, IReadOnlyDictionary<string, string> Metadata)
    {
        public static ProxySettings Read(string confFile)
        {
            var conf = ComponentConf.Read(confFile);
            var metadata = RepositoryCapabilities.Metadata(conf.Conf.Get(Section, "system_id") ?? "repository-Proxy", conf.Conf.Get(Section, "system_version") ?? "0.1");
            var mathRepo = MathRepoUri(conf);
            var (_, ca) = conf.Tls();
            if (mathRepo.Scheme == Uri.UriSchemeHttps && ca is null)
            {
                throw conf.Problem("TLS", "ca-chain", $"is required to reach math_repo at {mathRepo}");
            }

            var settings = new ProxySettings(
                conf,
                mathRepo,
                conf.Conf.Get(Section, "repository_url") ?? $"{mathRepo.Host}:{mathRepo.Port}",
                Span(conf, "collect_settle", "2m"),
                Rows(conf),
                Size(conf, "query_max_size", "4 MB"),
                conf.Conf.Get(Section, "schema") ?? "public",
                metadata);
            conf.Validate();
            return settings;
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
}
