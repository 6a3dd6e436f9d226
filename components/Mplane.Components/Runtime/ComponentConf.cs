using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mplane.Protocol.Matching;
using Mplane.Protocol.Registries;
using Mplane.Security;

namespace Mplane.Components.Runtime;

/// <summary>
/// A component run from the reference implementation's INI <c>.conf</c>: <c>[TLS]</c>, <c>[Roles]</c>,
/// <c>[Authorizations]</c> and <c>[component]</c> (either workflow). The programs that run components
/// (<c>tstat-proxy</c>, the repository proxy) read their own sections from <see cref="Conf"/> and hand
/// their services to <see cref="RunAsync"/>. Every problem is a <see cref="ComponentConfException"/>
/// naming the file, section and key.
/// </summary>
public sealed class ComponentConf
{
    /// <summary>The workflow value that makes the component listen; any other runs the component-initiated workflow.</summary>
    public const string ClientInitiated = "client-initiated";

    /// <summary>How long stopping waits for the listener's requests and the services' results once cancelled.</summary>
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    private (X509Certificate2? Certificate, PrivateCa? Ca)? _tls;

    private ComponentConf(string file, ConfFile conf)
    {
        File = file;
        Conf = conf;
    }

    /// <summary>The configuration file's path.</summary>
    public string File { get; }

    /// <summary>The parsed file.</summary>
    public ConfFile Conf { get; }

    /// <summary>Reads <paramref name="file"/>.</summary>
    /// <exception cref="ComponentConfException">The file cannot be read or is not an INI file.</exception>
    public static ComponentConf Read(string file)
    {
        try
        {
            return new ComponentConf(file, ConfFile.Read(file));
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            throw new ComponentConfException(e.Message, e);
        }
    }

    /// <summary>A key that must be present and non-empty.</summary>
    /// <exception cref="ComponentConfException">It is missing or empty.</exception>
    public string Required(string section, string key) => Conf.Get(section, key) is { Length: > 0 } value
        ? value
        : throw Problem(section, key, "is required");

    /// <summary>An error naming the file, section and key.</summary>
    public ComponentConfException Problem(string section, string key, string problem) => new($"{File}: [{section}] {key} {problem}");

    /// <summary>The component's certificate and the CA it trusts, from <c>[TLS]</c>; nulls without TLS. Loaded once.</summary>
    /// <exception cref="ComponentConfException">A key is missing or a file cannot be loaded.</exception>
    public (X509Certificate2? Certificate, PrivateCa? Ca) Tls() => _tls ??= LoadTls();

    /// <summary>Reads and checks <c>[TLS]</c> and <c>[component]</c> for the configured workflow without starting anything.</summary>
    /// <exception cref="ComponentConfException">A key is missing or wrong.</exception>
    public void Validate()
    {
        Tls();
        if (Required("component", "workflow") == ClientInitiated)
        {
            Listener();
        }
        else
        {
            Supervisor();
        }
    }

    /// <summary>
    /// Runs <paramref name="services"/> in the configured workflow until <paramref name="cancellationToken"/>
    /// is cancelled, then stops (a few seconds at most for requests and results in flight) and returns.
    /// Where it listens, or which supervisor it polls, is logged.
    /// </summary>
    /// <exception cref="ComponentConfException">The configuration is wrong, or grants the supervisor nothing.</exception>
    public async Task RunAsync(IReadOnlyList<IService> services, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger<ComponentConf>();
        var check = new SpecificationCheck(new RegistryCatalog());
        Tls(); // first, as Validate: its problems come before the workflow's
        try
        {
            if (Required("component", "workflow") == ClientInitiated)
            {
                await ListenAsync(Listener(), services, check, loggers, logger, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await PollAsync(Supervisor(), services, check, loggers, logger, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static async Task ListenAsync(ListenerSettings settings, IReadOnlyList<IService> services, SpecificationCheck check, ILoggerFactory loggers, ILogger logger, CancellationToken cancellationToken)
    {
        // The listener's own log (refusals, the server's notices) goes where the component's goes.
        await using var listener = ComponentListener.Build(settings, services, check, new JobTable(), logging => logging.Services.AddSingleton(loggers));
        await listener.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            logger.LogInformation("client-initiated, listening on {Url}", listener.Urls.First());
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, listener.Lifetime.ApplicationStopping);
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            // Stopping (rather than only disposing) interrupts the running jobs and lets answers in flight finish.
            using var grace = new CancellationTokenSource(ShutdownGrace);
            await listener.StopAsync(grace.Token).ConfigureAwait(false);
        }
    }

    private async Task PollAsync(ComponentSettings component, IReadOnlyList<IService> services, SpecificationCheck check, ILoggerFactory loggers, ILogger logger, CancellationToken cancellationToken)
    {
        var (certificate, ca) = Tls();
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var identity = MplaneIdentity.Unauthenticated;
        if (certificate is not null)
        {
            handler.SslOptions = MutualTls.ClientOptions(certificate, ca!);
            identity = await PeerIdentity.ReadAsync(component.Supervisor.Host, component.Supervisor.Port, certificate, ca!, cancellationToken).ConfigureAwait(false);
        }

        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(1) };
        var client = new SupervisorClient(component, services, http, check, identity, loggers.CreateLogger<SupervisorClient>());
        logger.LogInformation("component-initiated, supervisor {Supervisor} ({Identity})", component.Supervisor, identity);
        try
        {
            await client.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NothingToOfferException e)
        {
            throw new ComponentConfException($"{File}: {e.Message}", e);
        }
        finally
        {
            // The services were cancelled with the token: let them post what they can before the client goes.
            await client.DrainAsync().WaitAsync(ShutdownGrace, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private ListenerSettings Listener()
    {
        var portText = Conf.Get("component", "listen-port") ?? "1228";
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw Problem("component", "listen-port", $"'{portText}' is not a port number");
        }

        var maxResults = Settings(() => ComponentSettings.MaxResultsFrom(Conf));
        var (certificate, ca) = Tls();
        return new ListenerSettings(
            new IPEndPoint(IPAddress.Loopback, port), Conf.Get("component", "listen-cap-link") ?? string.Empty, Conf.AccessPolicy(), certificate, ca, MaxResults: maxResults);
    }

    private ComponentSettings Supervisor() => Settings(() => ComponentSettings.From(Conf));

    /// <summary>Settings read by <see cref="ComponentSettings"/>, whose messages already name the file, section and key.</summary>
    private static T Settings<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (FormatException e)
        {
            throw new ComponentConfException(e.Message, e);
        }
    }

    private (X509Certificate2? Certificate, PrivateCa? Ca) LoadTls()
    {
        if (!Conf.Has("TLS"))
        {
            return (null, null);
        }

        var (cert, key, caChain) = (Required("TLS", "cert"), Required("TLS", "key"), Required("TLS", "ca-chain"));
        try
        {
            return (CertificateFiles.LoadWithKey(cert, key), new PrivateCa(CertificateFiles.LoadBundle(caChain)));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Security.Cryptography.CryptographicException or FormatException)
        {
            throw new ComponentConfException($"{File}: [TLS]: {e.Message}", e);
        }
    }
}

/// <summary>A component's configuration is wrong; the message names the file, section and key.</summary>
public sealed class ComponentConfException(string message, Exception? inner = null) : Exception(message, inner);
