using System.CommandLine;
using Mplane.Components.Client;
using Mplane.Protocol.Registries;
using Mplane.Security;

namespace Mplane.Cli.Commands;

/// <summary>The options every <c>client</c> subcommand takes (before or after its name).</summary>
internal sealed class ClientOptions
{
    public Option<string?> Config { get; } = new("--config") { Description = "The reference client's .conf: [TLS] cert, key, ca-chain; [client] capability-url, default-url, registry_preload. Options override it.", HelpName = "FILE", Recursive = true };

    public Option<string?> Url { get; } = new("--url") { HelpName = "URL", Description = "Where to discover capabilities and redeem receipts, e.g. https://127.0.0.1:8890/ (no scheme: https with TLS, else http).", Recursive = true };

    public Option<string?> Cert { get; } = new("--cert") { Description = "This client's certificate (PEM), for mutual TLS.", HelpName = "FILE", Recursive = true };

    public Option<string?> Key { get; } = new("--key") { Description = "Its private key (PEM, unencrypted).", HelpName = "FILE", Recursive = true };

    public Option<string?> CaChain { get; } = new("--ca-chain") { Description = "The CA bundle (PEM) the peer's certificate must chain to; the system's roots are not used.", HelpName = "FILE", Recursive = true };

    public Option<string?> State { get; } = new("--state") { Description = "Where receipts are kept between invocations (default: $XDG_STATE_HOME/mplane/client or ~/.local/state/mplane/client).", HelpName = "DIR", Recursive = true };

    public Option<TimeSpan> RegistrationWait { get; } = new("--registration-wait")
    {
        Description = "With workflow = component-initiated: how long to wait for a component to register (default 60s).",
        HelpName = "SECONDS",
        Recursive = true,
        DefaultValueFactory = _ => TimeSpan.FromSeconds(60),
        CustomParser = r =>
        {
            if (double.TryParse(r.Tokens.Single().Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            r.AddError($"--registration-wait: '{r.Tokens.Single().Value}' is not a number of seconds");
            return default;
        },
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the mPlane JSON as received instead of tables.", Recursive = true };
}

/// <summary>One invocation's settings, resolved from the command line and the <c>.conf</c>, and the client built from them.</summary>
internal sealed class ClientSession(
    ParseResult parse, HttpClient http, RegistryCatalog registries, ReceiptStore store, Uri? capabilityUrl, string capabilitySource, Uri? defaultUrl, Uri? commandLineUrl, bool tls, bool json)
    : IDisposable
{
    /// <summary>The reference client's workflow key value for listening to components.</summary>
    public const string ComponentInitiated = "component-initiated";

    /// <summary>The configuration file read, if any.</summary>
    public ConfFile? Conf { get; private init; }

    /// <summary>Whether components register with this client (<c>[client] workflow = component-initiated</c>).</summary>
    public bool ListensForComponents => Conf?.Get("client", "workflow") == ComponentInitiated;

    /// <summary>This client's certificate, when TLS is configured.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; private init; }

    /// <summary>The CA peers must chain to, when TLS is configured.</summary>
    public PrivateCa? Ca { get; private init; }

    /// <summary>The registries (shipped, plus local preloads).</summary>
    public RegistryCatalog Catalog { get; } = registries;

    public ParseResult Parse { get; } = parse;

    public MplaneClient Client { get; } = new(http, registries);

    public ReceiptStore Store { get; } = store;

    /// <summary>Where receipts are redeemed and link-less capabilities invoked, when configured (else the crawled URL).</summary>
    public Uri? DefaultUrl { get; } = defaultUrl;

    /// <summary>The <c>--url</c> given on the command line, if any.</summary>
    public Uri? CommandLineUrl { get; } = commandLineUrl;

    /// <summary>Whether a certificate, its key and a CA are configured (https is possible).</summary>
    public bool Tls { get; } = tls;

    public bool Json { get; } = json;

    /// <summary>The URL to crawl.</summary>
    /// <exception cref="UsageException">None is configured.</exception>
    public Uri CapabilityUrl(string verb) =>
        capabilityUrl ?? throw new UsageException($"client {verb}: give --url, or capability-url in [client] of {capabilitySource}");

    public static ClientSession Open(ParseResult parse, ClientOptions options, string verb)
    {
        var file = parse.GetValue(options.Config);
        ConfFile? conf = null;
        if (file is not null)
        {
            try
            {
                conf = ConfFile.Read(file);
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"client {verb}: --config: {e.Message}");
            }

            if (conf.Get("client", "workflow") is { } workflow && workflow is not ("client-initiated" or ComponentInitiated))
            {
                throw new UsageException($"client {verb}: {file}: [client] workflow = {workflow}: client-initiated or {ComponentInitiated}");
            }
        }

        // Each TLS file from its option, else from [TLS]: all three or none.
        var tlsFiles = new[] { (Option: options.Cert, Key: "cert"), (Option: options.Key, Key: "key"), (Option: options.CaChain, Key: "ca-chain") }
            .Select(f => (f.Option.Name, f.Key, Path: parse.GetValue(f.Option) ?? conf?.Get("TLS", f.Key)))
            .ToList();
        var tls = tlsFiles.Any(f => f.Path is not null) || conf?.Has("TLS") == true;
        if (tls && tlsFiles.Where(f => f.Path is null).Select(f => file is null ? f.Name : $"{f.Name} (or [TLS] {f.Key} in {file})").ToList() is { Count: > 0 } missing)
        {
            throw new UsageException($"client {verb}: mutual TLS needs --cert, --key and --ca-chain; missing: {string.Join(", ", missing)}");
        }

        var scheme = tls ? Uri.UriSchemeHttps : Uri.UriSchemeHttp;
        Uri? Url(string? text, string source)
        {
            if (text is null)
            {
                return null;
            }

            Uri url;
            try
            {
                url = ClientUrls.Parse(text, scheme);
            }
            catch (FormatException e)
            {
                throw new UsageException($"client {verb}: {source}: {e.Message}");
            }

            return url.Scheme == Uri.UriSchemeHttps && !tls
                ? throw new UsageException($"client {verb}: {source}: {url} needs --cert, --key and --ca-chain (or a [TLS] section in --config)")
                : url;
        }

        var commandLineUrl = Url(parse.GetValue(options.Url), "--url");
        var capabilityUrl = commandLineUrl ?? Url(conf?.Get("client", "capability-url"), $"{file}: [client] capability-url");
        var defaultUrl = commandLineUrl ?? Url(conf?.Get("client", "default-url"), $"{file}: [client] default-url");

        string folder;
        try
        {
            folder = parse.GetValue(options.State) ?? ReceiptStore.DefaultFolder(Environment.GetEnvironmentVariable);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"client {verb}: {e.Message}: give --state DIR");
        }

        var registries = Registries(conf, verb);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // mPlane has no redirects; one must not carry the client's certificate elsewhere
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null;
        PrivateCa? ca = null;
        if (tls)
        {
            try
            {
                certificate = CertificateFiles.LoadWithKey(tlsFiles[0].Path!, tlsFiles[1].Path!);
                ca = new PrivateCa(CertificateFiles.LoadBundle(tlsFiles[2].Path!));
                handler.SslOptions = MutualTls.ClientOptions(certificate, ca);
            }
            catch (InvalidDataException e)
            {
                handler.Dispose();
                throw new UsageException($"client {verb}: {e.Message}");
            }
        }

        var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(1), MaxResponseContentBufferSize = 64 << 20 };
        return new ClientSession(
            parse, http, registries, new ReceiptStore(folder), capabilityUrl, file is null ? "--config" : file, defaultUrl, commandLineUrl, tls, parse.GetValue(options.Json))
        {
            Conf = conf,
            Certificate = certificate,
            Ca = ca,
        };
    }

    public void Dispose() => http.Dispose();

    /// <summary>
    /// The shipped registries, plus the local files <c>registry_preload</c> and <c>registry_uri</c>
    /// name (as the reference client's <c>[client]</c> keys); registries are never fetched.
    /// </summary>
    private static RegistryCatalog Registries(ConfFile? conf, string verb)
    {
        var extra = new List<Registry>();
        foreach (var key in new[] { "registry_preload", "registry_uri" })
        {
            if (conf?.Get("client", key) is not { Length: > 0 } value || (value.Contains("://", StringComparison.Ordinal) && !value.StartsWith("file://", StringComparison.Ordinal)))
            {
                continue; // a URI: known here or not, it is not fetched
            }

            var path = value.StartsWith("file://", StringComparison.Ordinal) ? new Uri(value).LocalPath : value;
            try
            {
                extra.Add(Registry.Parse(File.ReadAllText(path), path));
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"client {verb}: {conf.Source}: [client] {key}: {e.Message}");
            }
        }

        return new RegistryCatalog(extra);
    }
}
