using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Mplane.Components.Runtime;
using Mplane.Protocol.Matching;
using Mplane.Protocol.Registries;
using Mplane.Security;

namespace Mplane.Cli.Commands;

/// <summary>
/// A component run from the reference implementation's INI <c>.conf</c>: <c>[TLS]</c>, <c>[Roles]</c>,
/// <c>[Authorizations]</c> and <c>[component]</c> (either workflow). The commands that run components
/// (<c>tstat-proxy</c>, <c>proxy</c>) read their own sections from <see cref="Conf"/> and hand their
/// services to <see cref="RunAsync"/>. Every problem names the file, section and key.
/// </summary>
internal sealed class ComponentConf
{
    private readonly string _command;

    private ComponentConf(string command, string file, ConfFile conf)
    {
        _command = command;
        File = file;
        Conf = conf;
    }

    /// <summary>The configuration file's path.</summary>
    public string File { get; }

    /// <summary>The parsed file.</summary>
    public ConfFile Conf { get; }

    /// <summary>Reads <paramref name="file"/> for <paramref name="command"/> (named in errors).</summary>
    public static ComponentConf Read(string command, string file)
    {
        try
        {
            return new ComponentConf(command, file, ConfFile.Read(file));
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{command}: {e.Message}");
        }
    }

    /// <summary>A key that must be present and non-empty.</summary>
    public string Required(string section, string key) => Conf.Get(section, key) is { Length: > 0 } value
        ? value
        : throw Problem(section, key, "is required");

    /// <summary>An error naming the file, section and key.</summary>
    public UsageException Problem(string section, string key, string problem) => new($"{_command}: {File}: [{section}] {key} {problem}");

    /// <summary>The component's certificate and the CA it trusts, from <c>[TLS]</c>; nulls without TLS.</summary>
    public (X509Certificate2? Certificate, PrivateCa? Ca) Tls()
    {
        if (!Conf.Has("TLS"))
        {
            return (null, null);
        }

        try
        {
            return (CertificateFiles.LoadWithKey(Required("TLS", "cert"), Required("TLS", "key")), new PrivateCa(CertificateFiles.LoadBundle(Required("TLS", "ca-chain"))));
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or FormatException)
        {
            throw new UsageException($"{_command}: {File}: [TLS]: {e.Message}");
        }
    }

    /// <summary>Runs <paramref name="services"/> in the configured workflow until cancelled.</summary>
    public async Task<int> RunAsync(IReadOnlyList<IService> services, ILoggerFactory loggers, CancellationToken ct)
    {
        var check = new SpecificationCheck(new RegistryCatalog());
        var (certificate, ca) = Tls();
        if (Required("component", "workflow") == "client-initiated")
        {
            var portText = Conf.Get("component", "listen-port") ?? "1228";
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            {
                throw Problem("component", "listen-port", $"'{portText}' is not a port number");
            }

            int maxResults;
            try
            {
                maxResults = ComponentSettings.MaxResultsFrom(Conf);
            }
            catch (FormatException e)
            {
                throw new UsageException($"{_command}: {e.Message}");
            }

            var settings = new ListenerSettings(
                new IPEndPoint(IPAddress.Loopback, port), Conf.Get("component", "listen-cap-link") ?? string.Empty, Conf.AccessPolicy(), certificate, ca, MaxResults: maxResults);
            await using var listener = ComponentListener.Build(settings, services, check, new JobTable());
            await listener.StartAsync(ct).ConfigureAwait(false);
            Console.WriteLine($"{_command}: client-initiated, listening on {listener.Urls.First()}");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, listener.Lifetime.ApplicationStopping);
            await WaitAsync(stop.Token).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        ComponentSettings component;
        try
        {
            component = ComponentSettings.From(Conf);
        }
        catch (FormatException e)
        {
            throw new UsageException($"{_command}: {e.Message}");
        }

        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var identity = MplaneIdentity.Unauthenticated;
        if (certificate is not null)
        {
            handler.SslOptions = MutualTls.ClientOptions(certificate, ca!);
            identity = await PeerIdentity.ReadAsync(component.Supervisor.Host, component.Supervisor.Port, certificate, ca!, ct).ConfigureAwait(false);
        }

        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(1) };
        var client = new SupervisorClient(component, services, http, check, identity, loggers.CreateLogger<SupervisorClient>());
        Console.WriteLine($"{_command}: component-initiated, supervisor {component.Supervisor} ({identity})");
        try
        {
            await client.RunAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (NothingToOfferException e)
        {
            throw new UsageException($"{_command}: {File}: {e.Message}");
        }

        return ExitCodes.Success;
    }

    /// <summary>The console logger every component command uses: one line per event, UTC times.</summary>
    public static ILoggerFactory Loggers() =>
        LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.UseUtcTimestamp = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ssZ "; }));

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
