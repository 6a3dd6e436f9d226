using System.Net;
using System.Net.Security;
using System.Text.RegularExpressions;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Components.Client;
using static Mplane.Reliability.Tests.Security.ProbeRequests;

namespace Mplane.Reliability.Tests.Security;

/// <summary>The clients an mPlane listener probe uses: none, another CA's, an unauthorized identity's, and an authorized client's.</summary>
internal sealed record ListenerClients(HttpClient Anonymous, HttpClient OtherCa, HttpClient Intruder, HttpClient Client, SslClientAuthenticationOptions ClientTls);

/// <summary>
/// Hostile requests against the repository proxy's client-initiated mPlane listener (mutual TLS;
/// Client-1 may use <c>repository-list_tables</c> and <c>repository-query_view</c>, the Intruder
/// nothing). mPlane refuses a message with an exception message in a 200 answer, as the reference does;
/// HTTP-level refusals (content type, size, path, method) keep their status.
/// </summary>
internal static class ListenerProbes
{
    private const string Exception = "\"exception\"";

    /// <summary>The capability <paramref name="label"/> as <paramref name="client"/> sees it on the listener's page.</summary>
    public static async Task<Statement> CapabilityAsync(HttpClient client, Uri listener, string label, CancellationToken cancellationToken)
    {
        var page = await client.GetStringAsync(listener, cancellationToken).ConfigureAwait(false);
        return Regex.Matches(page, "<pre>(.*?)</pre>", RegexOptions.Singleline)
            .Select(m => MessageCodec.Parse(WebUtility.HtmlDecode(m.Groups[1].Value)))
            .OfType<Statement>()
            .Single(s => s.Label == label);
    }

    /// <summary>A specification of <paramref name="queryView"/> with <paramref name="assignments"/>.</summary>
    public static Statement Query(Statement queryView, params string[] assignments)
    {
        string[] defaults = ["repository.filter=all", "repository.limit=10"];
        var given = assignments.Select(a => a[..a.IndexOf('=', StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
        return new SpecificationBuilder(new RegistryCatalog()).Build(
            queryView, [.. defaults.Where(d => !given.Contains(d[..d.IndexOf('=', StringComparison.Ordinal)])), .. assignments], "2015-02-27 00:00:00 ... 2015-03-01 00:00:00", DateTimeOffset.UtcNow);
    }

    public static IReadOnlyList<SecurityProbe> For(Uri listener, ListenerClients c, Statement queryView)
    {
        var legit = Query(queryView, "repository.view=log_tcp_complete");
        Task<ProbeAnswer> Post(HttpClient http, Message message, CancellationToken ct) =>
            SendAsync(http, HttpMethod.Post, listener, ct, Text(MessageCodec.Write(message), MessageCodec.ContentType));
        Task<ProbeAnswer> PostText(HttpClient http, string body, string contentType, CancellationToken ct) =>
            SendAsync(http, HttpMethod.Post, listener, ct, Text(body, contentType));
        SecurityProbe Refusal(string name, Func<CancellationToken, Task<ProbeAnswer>> fire) => new(name, 200, fire, Exception);

        return
        [
            new("no client certificate", null, ct => SendAsync(c.Anonymous, HttpMethod.Get, listener, ct), FrameworkLogged: true),
            new("a certificate of another CA naming an authorized identity", null, ct => Post(c.OtherCa, legit, ct)),
            Refusal("an unauthorized identity: a capability by its token", ct => SendAsync(c.Intruder, HttpMethod.Get, new Uri(listener, $"/capability/{queryView.Token}"), ct)),
            Refusal("an unauthorized identity: a specification", ct => Post(c.Intruder, legit, ct)),
            Refusal("an unauthorized identity: a redemption", ct => Post(c.Intruder, legit with { Kind = MessageKind.Redemption }, ct)),
            Refusal("an unauthorized identity: an interrupt", ct => Post(c.Intruder, legit with { Kind = MessageKind.Interrupt }, ct)),
            Refusal("SQL in the view's name", ct => Post(c.Client, Query(queryView, "repository.view=log_tcp_complete; DROP TABLE mplane.tables"), ct)),
            Refusal("the catalogue as a view", ct => Post(c.Client, Query(queryView, "repository.view=mplane.imports"), ct)),
            Refusal("PostgreSQL's own tables as a view", ct => Post(c.Client, Query(queryView, "repository.view=pg_catalog.pg_authid"), ct)),
            Refusal("SQL in the filter", ct => Post(c.Client, Query(queryView, "repository.view=log_tcp_complete", "repository.filter=c_bytes_all > 0; DROP TABLE mplane.tables"), ct)),
            Refusal("a limit beyond the capability's constraint", ct => Post(c.Client, legit with { Parameters = new Dictionary<string, string>(legit.Parameters) { ["repository.limit"] = "100000000" } }, ct)),
            Refusal("a capability that does not exist", ct => Post(c.Client, legit with { Label = "repository-drop_tables", Token = null }, ct)),
            Refusal("a message a client does not send (a capability)", ct => Post(c.Client, queryView, ct)),
            Refusal("not JSON", ct => PostText(c.Client, "DROP TABLE mplane.tables", MessageCodec.ContentType, ct)),
            Refusal("deeply nested JSON", ct => PostText(c.Client, MathRepoProbes.Nested(2000), MessageCodec.ContentType, ct)),
            Refusal("path traversal in a capability token", ct => SendAsync(c.Client, HttpMethod.Get, new Uri(listener, "/capability/..%2F..%2Fetc%2Fpasswd"), ct)),
            new("path traversal, dot segments", 404, ct => RawAsync(listener, c.ClientTls, "GET /capability/../../etc/passwd HTTP/1.1", ct)),
            new("another content type", 415, ct => PostText(c.Client, MessageCodec.Write(legit), "text/plain", ct)),
            new("an oversized body (2 MB)", 413, ct => PostText(c.Client, new string(' ', 2 << 20) + "{}", MessageCodec.ContentType, ct)),
            new("a path it does not serve", 404, ct => SendAsync(c.Client, HttpMethod.Get, new Uri(listener, "/admin"), ct)),
            new("a method it does not serve", 405, ct => SendAsync(c.Client, HttpMethod.Delete, listener, ct)),
        ];
    }
}
