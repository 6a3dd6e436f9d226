using System.Net;
using System.Text.RegularExpressions;
using Mplane.Components.Transport;
using Mplane.Components.Runtime;
using Mplane.Protocol.Messages;

namespace Mplane.Components.Client;

/// <summary>What discovery found at a URL.</summary>
/// <param name="DefaultUrl">The URL crawled first: where the reference client sends redemptions, and specifications of capabilities without a link.</param>
/// <param name="Capabilities">The capabilities, in the order found, each once (by token).</param>
/// <param name="Notes">What else came back: exceptions (a capability the caller may not see) and messages that are not capabilities, each with its URL.</param>
public sealed record Discovery(Uri DefaultUrl, IReadOnlyList<Statement> Capabilities, IReadOnlyList<string> Notes);

/// <summary>
/// Discovery as the reference client crawls it: <c>GET</c> the URL; an HTML page has its
/// <c>&lt;a href&gt;</c> links followed, an mPlane message (a capability, or an envelope of them) is
/// collected. Against a reference server that is <c>/</c>, then <c>/capability</c>, then
/// <c>/capability/&lt;token&gt;</c> per link. Links are followed only on the crawled server (same
/// scheme, host and port): a page cannot send the client, with its certificate, elsewhere. Unlike the
/// reference, which skips them silently, any other answer is an error naming the URL.
/// </summary>
public sealed partial class CapabilityCrawler(HttpClient http)
{
    /// <summary>The most pages one discovery fetches (a page that links to ever new pages cannot keep the client busy forever).</summary>
    public const int MaxPages = 1000;

    private const string Html = "text/html";

    /// <summary>Crawls from <paramref name="start"/>.</summary>
    /// <exception cref="MplaneClientException">A page could not be fetched, or was neither HTML nor an mPlane message.</exception>
    public async Task<Discovery> CrawlAsync(Uri start, CancellationToken cancellationToken)
    {
        var capabilities = new List<Statement>();
        var notes = new List<string>();
        var queue = new Queue<Uri>([start]);
        var seen = new HashSet<string>(StringComparer.Ordinal) { start.AbsoluteUri };
        while (queue.TryDequeue(out var url))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = await ClientTransport.SendAsync(http, request, cancellationToken).ConfigureAwait(false);
            if (MplaneHttp.IsMessage(response))
            {
                Collect(await ClientTransport.ReadMessageAsync(response, url, cancellationToken).ConfigureAwait(false), url, capabilities, notes);
                continue;
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            // The reference serves pages as exactly text/html; a charset on a page is harmless, so only the media type counts here.
            if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != Html)
            {
                throw ClientTransport.Unexpected(response, url, body, $"{Html} or {MessageCodec.ContentType}");
            }

            foreach (var link in Links(body, url).Where(link => SameServer(link, start) && seen.Add(link.AbsoluteUri)))
            {
                if (seen.Count > MaxPages)
                {
                    throw new MplaneClientException($"{start}: more than {MaxPages} pages to crawl; give the URL of the capabilities themselves");
                }

                queue.Enqueue(link);
            }
        }

        return new Discovery(start, capabilities, notes);
    }

    private static void Collect(Message message, Uri url, List<Statement> capabilities, List<string> notes)
    {
        switch (message)
        {
            case Envelope envelope:
                foreach (var item in envelope.Contents)
                {
                    Collect(item, url, capabilities, notes);
                }

                break;
            case Statement { Kind: MessageKind.Capability } capability when Callback.Is(capability):
                break;
            case Statement { Kind: MessageKind.Capability } capability:
                if (capability.Token is null || !capabilities.Any(c => c.Token == capability.Token))
                {
                    capabilities.Add(capability);
                }

                break;
            case Statement { Kind: MessageKind.Withdrawal, Token: { } token }:
                capabilities.RemoveAll(c => c.Token == token); // as the reference client: the capability is gone
                break;
            case ExceptionMessage exception:
                notes.Add($"{url}: {PeerText.Printable(exception.Text)}");
                break;
            default:
                notes.Add($"{url}: a {message.Kind.Key()}, not a capability");
                break;
        }
    }

    private static IEnumerable<Uri> Links(string html, Uri page)
    {
        foreach (Match match in LinkPattern().Matches(html))
        {
            var href = WebUtility.HtmlDecode(match.Groups["q"].Success ? match.Groups["q"].Value : match.Groups["d"].Value);
            if (Uri.TryCreate(page, href, out var link) && link.Scheme is "http" or "https")
            {
                yield return new Uri(link.GetLeftPart(UriPartial.Query)); // without the fragment: the same page
            }
        }
    }

    private static bool SameServer(Uri link, Uri start) =>
        Uri.Compare(link, start, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0;

    [GeneratedRegex("""<a\s[^>]*?href\s*=\s*(?:'(?<q>[^']*)'|"(?<d>[^"]*)")""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)] // linear in the page, whatever it holds
    private static partial Regex LinkPattern();
}
