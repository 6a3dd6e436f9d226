using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Mplane.Components.Runtime;
using Mplane.Components.Tstat;
using Mplane.Protocol.Matching;
using Mplane.Protocol.Registries;
using Mplane.Security;

namespace Mplane.Cli.Commands;

/// <summary>
/// <c>mplane tstat-proxy --config tstat.conf</c>: the Tstat proxy, offering <c>tstat-exporter_log</c>,
/// from the reference's own configuration file: <c>[TLS]</c>, <c>[Roles]</c>, <c>[Authorizations]</c>,
/// <c>[component]</c> (either workflow) and <c>[module_tstat]</c> (<c>math_path</c>, <c>System_ID</c>).
/// </summary>
internal static class TstatProxyCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "The proxy's .conf file (the reference's INI format).", Required = true };
        var command = new Command("tstat-proxy", "Run the Tstat proxy: tstat-exporter_log launches math_probe toward a repository for a specification's time scope.") { config };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var file = parse.GetValue(config)!;
            ConfFile conf;
            try
            {
                conf = ConfFile.Read(file);
            }
            catch (Exception e) when (e is FormatException or IOException)
            {
                throw new UsageException($"tstat-proxy: {e.Message}");
            }

            string Required(string section, string key) => conf.Get(section, key) is { Length: > 0 } value
                ? value
                : throw new UsageException($"tstat-proxy: {file}: [{section}] {key} is required");

            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.UseUtcTimestamp = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ssZ "; }));
            var service = new TstatExporterLogService(
                new TstatExporterSettings(Path.GetFullPath(Required("module_tstat", "math_path")), Required("module_tstat", "System_ID")),
                loggers.CreateLogger<TstatExporterLogService>());
            var check = new SpecificationCheck(new RegistryCatalog());
            var (certificate, ca) = conf.Has("TLS")
                ? (CertificateFiles.LoadWithKey(Required("TLS", "cert"), Required("TLS", "key")), new PrivateCa(CertificateFiles.LoadBundle(Required("TLS", "ca-chain"))))
                : ((X509Certificate2?)null, (PrivateCa?)null);

            if (Required("component", "workflow") == "client-initiated")
            {
                var port = int.Parse(conf.Get("component", "listen-port") ?? "1228", CultureInfo.InvariantCulture);
                var settings = new ListenerSettings(new IPEndPoint(IPAddress.Loopback, port), conf.Get("component", "listen-cap-link") ?? string.Empty, conf.AccessPolicy(), certificate, ca);
                await using var listener = ComponentListener.Build(settings, [service], check, new JobTable());
                await listener.StartAsync(ct).ConfigureAwait(false);
                Console.WriteLine($"tstat-proxy: client-initiated, listening on {listener.Urls.First()}");
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, listener.Lifetime.ApplicationStopping);
                await WaitAsync(stop.Token).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            ComponentSettings component;
            try
            {
                component = ComponentSettings.From(conf);
            }
            catch (FormatException e)
            {
                throw new UsageException($"tstat-proxy: {e.Message}");
            }

            var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
            var identity = MplaneIdentity.Unauthenticated;
            if (certificate is not null)
            {
                handler.SslOptions = new SslClientAuthenticationOptions
                {
                    ClientCertificates = [certificate],
                    RemoteCertificateValidationCallback = (_, peer, chain, errors) =>
                        peer is X509Certificate2 server && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && ca!.Trusts(server, chain),
                };
                identity = await PeerIdentity.ReadAsync(component.Supervisor.Host, component.Supervisor.Port, certificate, ca!, ct).ConfigureAwait(false);
            }

            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(1) };
            var client = new SupervisorClient(component, [service], http, check, identity, loggers.CreateLogger<SupervisorClient>());
            Console.WriteLine($"tstat-proxy: component-initiated, supervisor {component.Supervisor} ({identity})");
            try
            {
                await client.RunAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static async Task WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
