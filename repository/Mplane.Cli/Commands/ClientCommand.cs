using System.CommandLine;
using System.Globalization;
using Mplane.Components.Client;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Security;

namespace Mplane.Cli.Commands;

/// <summary>
/// <c>mplane client caps | run LABEL --param k=v ... --when W | result [TOKEN]</c>: the reference
/// client's <c>runcap</c> flow against a supervisor's client-facing listener or a client-initiated
/// component, over mutual TLS, configured by the reference client's <c>.conf</c> (<c>[TLS]</c>
/// <c>cert</c>, <c>key</c>, <c>ca-chain</c>; <c>[client]</c> <c>capability-url</c>, <c>default-url</c>,
/// <c>workflow</c>, <c>registry_preload</c>) or by options, which win. Receipts are kept in a state
/// folder between invocations so that <c>result TOKEN</c> can redeem them later.
/// </summary>
internal static class ClientCommand
{
    /// <summary>The exit code of <c>result</c> when the result is not ready yet (the receipt came back).</summary>
    private const int NotReady = 3;

    /// <summary>How often <c>--wait</c> redeems.</summary>
    private static readonly TimeSpan RedeemInterval = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var options = new ClientOptions();
        var client = new Command("client", "The mPlane client (the reference's mpcli runcap flow): list capabilities, run one, redeem results.")
        {
            options.Config, options.Url, options.Cert, options.Key, options.CaChain, options.State, options.Json,
        };
        client.Subcommands.Add(Caps(options));
        client.Subcommands.Add(Run(options));
        client.Subcommands.Add(Result(options));
        return client;
    }

    private static Command Caps(ClientOptions options)
    {
        var command = new Command("caps", "Discover the capabilities this identity may use: label, verb, when, parameters with their constraints, results.");
        Act(command, options, async (session, ct) =>
        {
            var discovery = await session.Client.DiscoverAsync(session.CapabilityUrl("caps"), ct).ConfigureAwait(false);
            Notes("caps", discovery);
            if (session.Json)
            {
                Console.WriteLine(MessageCodec.Write(new Envelope([.. discovery.Capabilities])));
                return ExitCodes.Success;
            }

            Table(
                ["label", "verb", "when", "parameters", "results", "token"],
                discovery.Capabilities.Select(c => (IReadOnlyList<string>)
                [
                    c.Label ?? "-", c.Verb, c.When,
                    c.Parameters.Count == 0 ? "-" : string.Join(", ", c.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}")),
                    c.Results.Count == 0 ? "-" : string.Join(", ", c.Results),
                    c.Token ?? "-",
                ]));
            if (discovery.Capabilities.Count == 0)
            {
                await Console.Error.WriteLineAsync($"mplane: client caps: {discovery.DefaultUrl} offers no capability to this identity").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Run(ClientOptions options)
    {
        var capability = new Argument<string>("LABEL") { Description = "The capability's label (or its token, when several share a label)." };
        var parameters = new Option<string[]>("--param", "-p") { Description = "A parameter value, NAME=VALUE; repeat for each parameter. Single-valued constraints fill themselves.", HelpName = "NAME=VALUE" };
        var when = new Option<string?>("--when") { Description = $"The temporal scope, e.g. \"now + 1h\", \"now ... future / 1m\" (default: {SpecificationBuilder.DefaultWhen}).", HelpName = "SCOPE" };
        var wait = new Option<bool>("--wait") { Description = "When a receipt comes back, redeem it every second until the result comes." };
        var command = new Command("run", "Send a specification of a capability and print the result, or keep the receipt for 'result TOKEN'.") { capability, parameters, when, wait };
        Act(command, options, async (session, ct) =>
        {
            var discovery = await session.Client.DiscoverAsync(session.CapabilityUrl("run"), ct).ConfigureAwait(false);
            Notes("run", discovery);
            var chosen = MplaneClient.Select(discovery.Capabilities, session.Parse.GetValue(capability)!);
            var specification = session.Client.Specify(chosen, session.Parse.GetValue(parameters) ?? [], session.Parse.GetValue(when));
            var defaultUrl = session.DefaultUrl ?? discovery.DefaultUrl;
            var target = MplaneClient.TargetOf(chosen, defaultUrl);
            var reply = await session.Client.InvokeAsync(specification, target, ct).ConfigureAwait(false);
            if (reply is not Statement { Kind: MessageKind.Receipt } receipt)
            {
                return await ShowAsync("run", reply, target, session.Json).ConfigureAwait(false);
            }

            // Kept before anything else happens: an interrupted --wait leaves the receipt redeemable.
            await session.Store.SaveAsync(new StoredReceipt(receipt, defaultUrl, DateTimeOffset.UtcNow), ct).ConfigureAwait(false);
            if (session.Parse.GetValue(wait))
            {
                return await FinishAsync("run", session, receipt, defaultUrl, true, ct).ConfigureAwait(false);
            }

            await ShowReceiptAsync(session, receipt, "the result is not ready yet").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Result(ClientOptions options)
    {
        var token = new Argument<string?>("TOKEN") { Description = "The receipt's token (printed by 'run'); without it, the receipts kept are listed.", Arity = ArgumentArity.ZeroOrOne };
        var wait = new Option<bool>("--wait") { Description = "Redeem every second until the result comes." };
        var command = new Command("result", $"Redeem a receipt kept by 'run': print the result, or exit {NotReady} while it is not ready.") { token, wait };
        Act(command, options, async (session, ct) =>
        {
            if (session.Parse.GetValue(token) is not { } wanted)
            {
                return await ListAsync(session, ct).ConfigureAwait(false);
            }

            // Checked before it names anything: it becomes a file name in the state folder.
            if (!ReceiptStore.IsToken(wanted))
            {
                throw new UsageException($"client result: '{wanted}' is not a token (letters, digits, '-' and '_', at most 128)");
            }

            var stored = await session.Store.FindAsync(wanted, ct).ConfigureAwait(false)
                ?? throw new UsageException($"client result: no receipt {wanted} in {session.Store.Folder} ('client run' keeps receipts there; see 'client result')");
            // A --url on the command line redeems elsewhere (a moved supervisor); the configuration's does not override where the receipt came from.
            var url = session.CommandLineUrl ?? stored.Url;
            if (url.Scheme == Uri.UriSchemeHttps && !session.Tls)
            {
                throw new UsageException($"client result: {wanted} is redeemed at {url}, which needs --cert, --key and --ca-chain (the identity that ran it)");
            }

            return await FinishAsync("result", session, stored.Receipt, url, session.Parse.GetValue(wait), ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Redeems <paramref name="receipt"/> (until done with <paramref name="wait"/>), forgets it once it has an outcome, and shows that.</summary>
    private static async Task<int> FinishAsync(string verb, ClientSession session, Statement receipt, Uri url, bool wait, CancellationToken ct)
    {
        var reply = wait
            ? await session.Client.RedeemUntilDoneAsync(receipt, url, RedeemInterval, ct).ConfigureAwait(false)
            : await session.Client.RedeemAsync(receipt, url, ct).ConfigureAwait(false);
        if (reply is Statement { Kind: MessageKind.Receipt })
        {
            await ShowReceiptAsync(session, receipt, "still running; try again later").ConfigureAwait(false);
            return NotReady;
        }

        // A result, or an exception (failed, interrupted, unknown to the peer): either is final.
        session.Store.Remove(receipt.Token!);
        return await ShowAsync(verb, reply, url, session.Json).ConfigureAwait(false);
    }

    private static async Task<int> ListAsync(ClientSession session, CancellationToken ct)
    {
        var receipts = await session.Store.ListAsync(ct).ConfigureAwait(false);
        if (session.Json)
        {
            Console.WriteLine(MessageCodec.Write(new Envelope([.. receipts.Select(r => r.Receipt)])));
            return ExitCodes.Success;
        }

        Table(
            ["token", "label", "when", "stored (UTC)", "redeemed at"],
            receipts.Select(r => (IReadOnlyList<string>)
                [r.Token, r.Receipt.Label ?? "-", r.Receipt.When, r.Stored.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), r.Url.ToString()]));
        return ExitCodes.Success;
    }

    private static async Task ShowReceiptAsync(ClientSession session, Statement receipt, string state)
    {
        var hint = $"receipt {receipt.Token} for {PeerText.Printable(receipt.Label ?? "-")} ({PeerText.Printable(receipt.When)}): {state}; 'mplane client result {receipt.Token}' redeems it";
        if (session.Json)
        {
            Console.WriteLine(MessageCodec.Write(receipt));
            await Console.Error.WriteLineAsync(hint).ConfigureAwait(false); // standard output stays JSON
            return;
        }

        Console.WriteLine(hint);
    }

    /// <summary>Prints a result, an envelope of results, or the exception (on standard error, exit 1).</summary>
    private static async Task<int> ShowAsync(string verb, Message reply, Uri url, bool json = false)
    {
        if (json)
        {
            Console.WriteLine(MessageCodec.Write(reply));
        }

        var failed = false;
        foreach (var message in reply is Envelope envelope ? envelope.Contents : [reply])
        {
            switch (message)
            {
                case ExceptionMessage exception:
                    failed = true;
                    await Console.Error.WriteLineAsync($"mplane: client {verb}: {url} answered with an exception: {PeerText.Printable(exception.Text)}").ConfigureAwait(false);
                    break;
                case Statement result when !json:
                    PrintResult(result);
                    break;
            }
        }

        return failed ? ExitCodes.Failure : ExitCodes.Success;
    }

    private static void PrintResult(Statement result)
    {
        Console.WriteLine(PeerText.Printable($"{result.Kind.Key()} {result.Label ?? "-"}  token {result.Token ?? "-"}  when {result.When}"));
        if (result.Parameters.Count > 0)
        {
            Console.WriteLine(PeerText.Printable("parameters: " + string.Join(" ", result.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))));
        }

        if (result.Results.Count > 0)
        {
            Table(result.Results, result.ResultValues);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({result.ResultValues.Count} {(result.ResultValues.Count == 1 ? "row" : "rows")})"));
    }

    /// <summary>Columns aligned by their widest cell; every cell made printable first (it comes from a peer).</summary>
    private static void Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var cells = rows.Select(row => row.Select(PeerText.Printable).ToList()).Prepend([.. header]).ToList();
        var widths = Enumerable.Range(0, header.Count).Select(i => cells.Max(row => i < row.Count ? row[i].Length : 0)).ToList();
        foreach (var row in cells)
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Count - 1 || i >= widths.Count ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    private static void Notes(string verb, Discovery discovery)
    {
        foreach (var note in discovery.Notes)
        {
            Console.Error.WriteLine($"mplane: client {verb}: {note}");
        }
    }

    /// <summary>
    /// Sets <paramref name="body"/> as the action of <paramref name="command"/>, with the session built
    /// from the options and the client's errors turned into messages: what the user asked for is a usage
    /// error (exit 2), what a peer or the network did is a failure (exit 1).
    /// </summary>
    private static void Act(Command command, ClientOptions options, Func<ClientSession, CancellationToken, Task<int>> body) =>
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            using var session = ClientSession.Open(parse, options, command.Name);
            try
            {
                return await body(session, ct).ConfigureAwait(false);
            }
            catch (SpecificationException e)
            {
                throw new UsageException($"client {command.Name}: {e.Message}");
            }
            catch (Exception e) when (e is MplaneClientException or InvalidDataException)
            {
                await Console.Error.WriteLineAsync($"mplane: client {command.Name}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }));

    /// <summary>The options every <c>client</c> subcommand takes (before or after its name).</summary>
    private sealed class ClientOptions
    {
        public Option<string?> Config { get; } = new("--config") { Description = "The reference client's .conf: [TLS] cert, key, ca-chain; [client] capability-url, default-url, registry_preload. Options override it.", HelpName = "FILE", Recursive = true };

        public Option<string?> Url { get; } = new("--url") { HelpName = "URL", Description = "Where to discover capabilities and redeem receipts, e.g. https://127.0.0.1:8890/ (no scheme: https with TLS, else http).", Recursive = true };

        public Option<string?> Cert { get; } = new("--cert") { Description = "This client's certificate (PEM), for mutual TLS.", HelpName = "FILE", Recursive = true };

        public Option<string?> Key { get; } = new("--key") { Description = "Its private key (PEM, unencrypted).", HelpName = "FILE", Recursive = true };

        public Option<string?> CaChain { get; } = new("--ca-chain") { Description = "The CA bundle (PEM) the peer's certificate must chain to; the system's roots are not used.", HelpName = "FILE", Recursive = true };

        public Option<string?> State { get; } = new("--state") { Description = "Where receipts are kept between invocations (default: $XDG_STATE_HOME/mplane/client or ~/.local/state/mplane/client).", HelpName = "DIR", Recursive = true };

        public Option<bool> Json { get; } = new("--json") { Description = "Print the mPlane JSON as received instead of tables.", Recursive = true };
    }

    /// <summary>One invocation's settings, resolved from the command line and the <c>.conf</c>, and the client built from them.</summary>
    private sealed class ClientSession(
        ParseResult parse, HttpClient http, RegistryCatalog registries, ReceiptStore store, Uri? capabilityUrl, string capabilitySource, Uri? defaultUrl, Uri? commandLineUrl, bool tls, bool json)
        : IDisposable
    {
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

                if (conf.Get("client", "workflow") is { } workflow && workflow != "client-initiated")
                {
                    throw new UsageException($"client {verb}: {file}: [client] workflow = {workflow}: only client-initiated is supported (this client asks; it does not listen for components)");
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
            if (tls)
            {
                try
                {
                    var certificate = CertificateFiles.LoadWithKey(tlsFiles[0].Path!, tlsFiles[1].Path!);
                    handler.SslOptions = MutualTls.ClientOptions(certificate, new PrivateCa(CertificateFiles.LoadBundle(tlsFiles[2].Path!)));
                }
                catch (InvalidDataException e)
                {
                    handler.Dispose();
                    throw new UsageException($"client {verb}: {e.Message}");
                }
            }

            var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(1), MaxResponseContentBufferSize = 64 << 20 };
            return new ClientSession(
                parse, http, registries, new ReceiptStore(folder), capabilityUrl, file is null ? "--config" : file, defaultUrl, commandLineUrl, tls, parse.GetValue(options.Json));
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
}
