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
            options.Config, options.Url, options.Cert, options.Key, options.CaChain, options.State, options.RegistrationWait, options.Json,
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
            if (session.ListensForComponents)
            {
                return await CapsFromComponentsAsync(session, options, ct).ConfigureAwait(false);
            }

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
            if (session.ListensForComponents)
            {
                return await RunAtComponentAsync(
                    session, options, session.Parse.GetValue(capability)!, session.Parse.GetValue(parameters) ?? [], session.Parse.GetValue(when), ct).ConfigureAwait(false);
            }

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
            if (session.ListensForComponents)
            {
                throw new UsageException("client result: with workflow = component-initiated, components post results while 'client run' waits; there is nothing to redeem");
            }

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

    /// <summary>Component-initiated: listens for registrations, then lists what the components offer this client.</summary>
    private static async Task<int> CapsFromComponentsAsync(ClientSession session, ClientOptions options, CancellationToken ct)
    {
        await using var inbox = await StartInboxAsync(session, "caps", ct).ConfigureAwait(false);
        var wait = session.Parse.GetValue(options.RegistrationWait);
        await inbox.WaitForAsync(_ => true, wait, ct).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false); // other components registering at the same moment
        var registered = inbox.Capabilities;
        if (session.Json)
        {
            Console.WriteLine(MessageCodec.Write(new Envelope([.. registered.Select(r => r.Capability)])));
            return ExitCodes.Success;
        }

        Table(
            ["label", "component", "verb", "when", "parameters", "results", "token"],
            registered.Select(r => (IReadOnlyList<string>)
            [
                r.Capability.Label ?? "-", r.Component, r.Capability.Verb, r.Capability.When,
                r.Capability.Parameters.Count == 0 ? "-" : string.Join(", ", r.Capability.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}")),
                r.Capability.Results.Count == 0 ? "-" : string.Join(", ", r.Capability.Results),
                r.Capability.Token ?? "-",
            ]));
        return ExitCodes.Success;
    }

    /// <summary>
    /// Component-initiated: waits for a component to register the capability, queues the specification
    /// for that component's next poll, and waits for its receipt and then its result (components post
    /// results to this client, so it stays until they come).
    /// </summary>
    private static async Task<int> RunAtComponentAsync(
        ClientSession session, ClientOptions options, string labelOrToken, IReadOnlyList<string> assignments, string? when, CancellationToken ct)
    {
        await using var inbox = await StartInboxAsync(session, "run", ct).ConfigureAwait(false);
        var registered = await inbox.WaitForAsync(
            r => r.Capability.Label == labelOrToken || r.Capability.Token == labelOrToken, session.Parse.GetValue(options.RegistrationWait), ct).ConfigureAwait(false);
        var specification = session.Client.Specify(registered.Capability, assignments, when);
        inbox.Queue(registered.Component, specification);
        var reply = await inbox.NextReplyAsync(specification.Token!, ct).ConfigureAwait(false);
        if (reply is Statement { Kind: MessageKind.Receipt } receipt)
        {
            await Console.Error.WriteLineAsync(PeerText.Printable($"receipt {receipt.Token} from {registered.Component}; waiting for the result")).ConfigureAwait(false);
            reply = await inbox.NextReplyAsync(specification.Token!, ct).ConfigureAwait(false);
        }

        return await ShowAsync("run", reply, inbox.Address, session.Json).ConfigureAwait(false);
    }

    private static async Task<ComponentInbox> StartInboxAsync(ClientSession session, string verb, CancellationToken ct)
    {
        var settings = InboxConf.Read(session, verb);
        try
        {
            var inbox = await ComponentInbox.StartAsync(settings, ct).ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"mplane: client {verb}: waiting for components at {inbox.Address} (results to {settings.SpecificationLink})").ConfigureAwait(false);
            return inbox;
        }
        catch (IOException e)
        {
            throw new UsageException($"client {verb}: cannot listen on {settings.Endpoint}: {e.Message}");
        }
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
                throw new UsageException($"client {command.Name}: {PeerText.Printable(e.Message)}");
            }
            catch (Exception e) when (e is MplaneClientException or InvalidDataException or TimeoutException)
            {
                // Messages quote what peers sent: made printable before they reach the terminal.
                await Console.Error.WriteLineAsync($"mplane: client {command.Name}: {PeerText.Printable(e.Message)}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }));
}
