using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;

namespace Mplane.Components.Client;

/// <summary>
/// The client-initiated workflow from the client's side, over an HTTP client the caller configures
/// (mutual TLS, timeouts, no redirects): discover capabilities, turn one into a specification, send it
/// to the capability's link (or the crawled URL), and redeem a receipt at the crawled URL until the
/// result comes. Every answer is checked: status 200, the exact mPlane content type, a message of the
/// expected kind, for the token sent.
/// </summary>
public sealed class MplaneClient(HttpClient http, RegistryCatalog registries, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly SpecificationBuilder _builder = new(registries);

    /// <summary>Crawls <paramref name="url"/> for capabilities (<see cref="CapabilityCrawler"/>).</summary>
    public Task<Discovery> DiscoverAsync(Uri url, CancellationToken cancellationToken) =>
        new CapabilityCrawler(http).CrawlAsync(url, cancellationToken);

    /// <summary>The capability among <paramref name="capabilities"/> with label or token <paramref name="labelOrToken"/>.</summary>
    /// <exception cref="SpecificationException">None has it, or several share the label (then the token tells them apart).</exception>
    public static Statement Select(IReadOnlyList<Statement> capabilities, string labelOrToken)
    {
        var byToken = capabilities.Where(c => c.Token == labelOrToken).ToList();
        var matches = byToken.Count > 0 ? byToken : [.. capabilities.Where(c => c.Label == labelOrToken)];
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new SpecificationException(
                $"no capability {labelOrToken} (offered: {(capabilities.Count == 0 ? "none" : string.Join(", ", capabilities.Select(c => c.Label ?? c.Token)))})"),
            _ => throw new SpecificationException(
                $"{matches.Count} capabilities are labelled {labelOrToken}; name one by its token: {string.Join(", ", matches.Select(c => c.Token))}"),
        };
    }

    /// <summary>A specification of <paramref name="capability"/> (<see cref="SpecificationBuilder"/>), checked against the current time.</summary>
    /// <exception cref="SpecificationException">A value or the scope is wrong; the message names it.</exception>
    public Statement Specify(Statement capability, IEnumerable<string> assignments, string? when) =>
        _builder.Build(capability, assignments, when, _time.GetUtcNow());

    /// <summary>Where a specification of <paramref name="capability"/> goes: its link, or <paramref name="defaultUrl"/> when it has none.</summary>
    /// <exception cref="MplaneClientException">The link is not an http(s) URL, or would take a specification sent over https to plain http.</exception>
    public static Uri TargetOf(Statement capability, Uri defaultUrl)
    {
        if (string.IsNullOrEmpty(capability.Link))
        {
            return defaultUrl;
        }

        Uri link;
        try
        {
            link = ClientUrls.Parse(capability.Link, defaultUrl.Scheme);
        }
        catch (FormatException e)
        {
            throw new MplaneClientException($"capability {capability.Label}: link {PeerText.Printable(e.Message)}");
        }

        return defaultUrl.Scheme == Uri.UriSchemeHttps && link.Scheme != Uri.UriSchemeHttps
            ? throw new MplaneClientException($"capability {capability.Label}: link {link} would send the specification without TLS; discovery was over https")
            : link;
    }

    /// <summary>Sends <paramref name="specification"/> to <paramref name="target"/>; returns the result, the receipt, an envelope of results, or the exception.</summary>
    /// <exception cref="MplaneClientException">No answer, or not one of those for this specification's token.</exception>
    public async Task<Message> InvokeAsync(Statement specification, Uri target, CancellationToken cancellationToken) =>
        Expected(await ClientTransport.PostAsync(http, target, specification, cancellationToken).ConfigureAwait(false), specification.Token, target);

    /// <summary>
    /// Redeems <paramref name="receipt"/> at <paramref name="url"/> (the crawled URL, as the reference
    /// does, not the link), sending the full receipt as the reference does; returns the result, the
    /// receipt again while it runs, or the exception.
    /// </summary>
    public async Task<Message> RedeemAsync(Statement receipt, Uri url, CancellationToken cancellationToken) =>
        Expected(await ClientTransport.PostAsync(http, url, receipt with { Kind = MessageKind.Redemption }, cancellationToken).ConfigureAwait(false), receipt.Token, url);

    /// <summary>Redeems every <paramref name="interval"/> until the answer is no longer the receipt.</summary>
    public async Task<Message> RedeemUntilDoneAsync(Statement receipt, Uri url, TimeSpan interval, CancellationToken cancellationToken)
    {
        while (true)
        {
            var reply = await RedeemAsync(receipt, url, cancellationToken).ConfigureAwait(false);
            if (reply is not Statement { Kind: MessageKind.Receipt })
            {
                return reply;
            }

            await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Message Expected(Message reply, string? token, Uri url) => reply switch
    {
        ExceptionMessage => reply,
        Statement { Kind: MessageKind.Result or MessageKind.Receipt } statement when statement.Token == token => reply,
        Envelope envelope when envelope.Token is null || envelope.Token == token => reply,
        Statement { Kind: MessageKind.Result or MessageKind.Receipt } or Envelope =>
            throw new MplaneClientException($"{url} answered a {reply.Kind.Key()} for another token ({PeerText.Printable(TokenOf(reply) ?? "none")}, not {token})"),
        _ => throw new MplaneClientException($"{url} answered a {reply.Kind.Key()}; a result, a receipt or an exception was expected"),
    };

    private static string? TokenOf(Message message) => message switch
    {
        Statement statement => statement.Token,
        Envelope envelope => envelope.Token,
        _ => null,
    };
}
