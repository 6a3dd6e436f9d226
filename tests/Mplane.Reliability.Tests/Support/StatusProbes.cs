using static Mplane.Reliability.Tests.Security.ProbeRequests;

namespace Mplane.Reliability.Tests.Security;

/// <summary>
/// Hostile requests against the status server (the status API, the dashboard and its series API,
/// <c>/metrics</c>, and the stream tables' API with its token). The server is loopback-only without
/// authentication by design: loopback is its boundary. So it is probed for what a local process or a
/// web page reaching 127.0.0.1 could try: path traversal, injection in table and column parameters,
/// oversized and odd requests, methods, another Host (DNS rebinding), and the streams API's token.
/// </summary>
internal static class StatusProbes
{
    public static IReadOnlyList<SecurityProbe> For(Uri server, HttpClient http, string token)
    {
        Uri At(string pathAndQuery) => new(server, pathAndQuery);
        Task<ProbeAnswer> Get(string pathAndQuery, CancellationToken ct) => SendAsync(http, HttpMethod.Get, At(pathAndQuery), ct);
        Task<ProbeAnswer> Raw(string head, CancellationToken ct) => RawAsync(server, null, head, ct);
        Task<ProbeAnswer> Streams(string path, string body, string contentType, CancellationToken ct, string? bearer = null) =>
            SendAsync(http, HttpMethod.Post, At(path), ct, Text(body, contentType), bearer is null ? [] : [("Authorization", $"Bearer {bearer}")]);
        const string Series = "/status/series?table=log_tcp_complete&columns=c_bytes_all";

        return
        [
            new("path traversal, dot segments", 404, ct => Raw("GET /dashboard/../../../../../../etc/passwd HTTP/1.1", ct)),
            new("path traversal, encoded slashes", 404, ct => Get("/dashboard/..%2F..%2F..%2F..%2Fetc%2Fpasswd", ct)),
            new("path traversal, encoded dots and backslashes", 404, ct => Raw("GET /dashboard/%2e%2e%5c%2e%2e%5cmplane.deps.json HTTP/1.1", ct)),
            new("SQL in a table name (partitions)", 400, ct => Get("/status/tables/public.x%3BDROP%20TABLE%20mplane.tables/partitions", ct)),
            new("SQL in a table name (series)", 400, ct => Get("/status/series?table=log_tcp_complete%3BDROP%20TABLE%20mplane.tables&columns=c_bytes_all", ct)),
            new("SQL in a column list", 400, ct => Get("/status/series?table=log_tcp_complete&columns=c_bytes_all,(SELECT%20pg_sleep(5))", ct)),
            new("SQL in a key column", 400, ct => Get("/status/top?table=log_tcp_complete&key=c_ip%20OR%201%3D1&value=c_bytes_all", ct)),
            new("a quoted identifier", 400, ct => Get("/status/series?table=%22log_tcp_complete%22&columns=c_bytes_all", ct)),
            new("the catalogue as a table", 400, ct => Get("/status/series?table=mplane.tables&columns=window_seconds", ct)),
            new("PostgreSQL's own tables", 400, ct => Get("/status/top?table=pg_catalog.pg_authid&key=rolname&value=oid", ct)),
            new("a parameter given twice", 400, ct => Get(Series + "&table=mplane.imports", ct)),
            new("a number out of range", 400, ct => Get(Series + "&points=999999999", ct)),
            new("SQL in an aggregate", 400, ct => Get(Series + "&aggregate=avg)%3BDROP%20TABLE%20x", ct)),
            new("SQL in a time", 400, ct => Get("/status/alarms?from=%27%3BDROP%20TABLE%20mplane.alarms--", ct)),
            new("a method it does not serve: POST /status", 405, ct => SendAsync(http, HttpMethod.Post, At("/status"), ct, Text("{}", "application/json"))),
            new("a method it does not serve: DELETE /dashboard/", 405, ct => SendAsync(http, HttpMethod.Delete, At("/dashboard/"), ct)),
            new("a method it does not serve: PUT /metrics", 405, ct => SendAsync(http, HttpMethod.Put, At("/metrics"), ct, Text("x", "text/plain"))),
            new("a path it does not serve", 404, ct => Get("/admin", ct)),
            new("the streams API without its token", 401, ct => Streams("/streams/statements", "CREATE STREAM TABLE t (a int)", "text/plain", ct)),
            new("the streams API with another token", 401, ct => Streams("/streams/statements", "CREATE STREAM TABLE t (a int)", "text/plain", ct, "not-the-token-0123456789")),
            new("an oversized statement script (2 MB)", 413, ct => Streams("/streams/statements", "-- " + new string('x', 2 << 20), "text/plain", ct, token)),
            new("plain SQL through the streams API", 400, ct => Streams("/streams/statements", "DROP TABLE mplane.tables", "text/plain", ct, token)),
            new("SQL in a stream table's column definitions", 400, ct => Streams("/streams/statements", "CREATE STREAM TABLE t (a int DEFAULT (pg_sleep(5)))", "text/plain", ct, token)),
            new("SQL in a stream table's name", 400, ct => Streams("/streams/tables/x%3BDROP%20TABLE%20mplane.tables/rows", "[[1]]", "application/json", ct, token)),
            new("deeply nested JSON rows", 400, ct => Streams("/streams/tables/flows/rows", new string('[', 2000) + new string(']', 2000), "application/json", ct, token)),
            new("another Host (DNS rebinding)", 400, ct => Raw("GET /status HTTP/1.1\r\nHost: attacker.example", ct), FrameworkLogged: true),
            new("an oversized header (64 KB)", 431, ct => Raw($"GET /status HTTP/1.1\r\nX-Padding: {new string('x', 64 * 1024)}", ct), FrameworkLogged: true),
            new("an oversized request line (20 KB)", 414, ct => Raw($"GET /status?x={new string('x', 20 * 1024)} HTTP/1.1", ct), FrameworkLogged: true),
        ];
    }
}
