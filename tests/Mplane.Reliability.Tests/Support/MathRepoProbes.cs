using System.IO.Compression;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text;
using Mplane.Math.Transfer;
using static Mplane.Reliability.Tests.Security.ProbeRequests;

namespace Mplane.Reliability.Tests.Security;

/// <summary>The clients a math_repo probe uses: none, another CA's, an unauthorized identity's, the probe's and the repository proxy's.</summary>
internal sealed record MathRepoClients(
    HttpClient Anonymous, HttpClient OtherCa, HttpClient Intruder, HttpClient Probe, HttpClient Proxy, SslClientAuthenticationOptions ProbeTls);

/// <summary>
/// Hostile requests against math_repo (mutual TLS and tokens, <c>max_file_size: 1 MB</c>, Probe-1 sends
/// <c>log_*</c> streams, Repository-1 opens collections): without credentials, with another CA's
/// certificate, as an unauthorized identity, path traversal, injection in stream names and types,
/// oversized and nested bodies, methods and paths it does not serve.
/// </summary>
internal static class MathRepoProbes
{
    private const string Stream = "log_tcp_complete";
    private const string File = "2015/02-Feb/2015_02_27_22_00.out/log_tcp_complete";

    public static IReadOnlyList<SecurityProbe> For(Uri repo, MathRepoClients c)
    {
        var content = "#c_ip:1\n10.0.0.1\n"u8.ToArray();
        Uri At(string path) => new(repo, path);
        var file = At(PushProtocol.FilePath(Stream, File));
        Task<ProbeAnswer> Put(HttpClient http, Uri uri, CancellationToken ct, byte[]? body = null, params (string, string)[] headers)
        {
            body ??= content;
            (string, string)[] push =
            [
                (PushProtocol.OffsetHeader, "0"), (PushProtocol.LengthHeader, body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                (PushProtocol.Sha256Header, Convert.ToHexStringLower(SHA256.HashData(body))), (PushProtocol.StreamTypeHeader, "log_tcp_complete_v15"),
            ];
            var given = headers.Select(h => h.Item1).ToHashSet(StringComparer.OrdinalIgnoreCase);
            return SendAsync(http, HttpMethod.Put, uri, ct, new ByteArrayContent(body), [.. push.Where(h => !given.Contains(h.Item1)), .. headers]);
        }

        Task<ProbeAnswer> Post(HttpClient http, string path, string json, CancellationToken ct) =>
            SendAsync(http, HttpMethod.Post, At(path), ct, Text(json, "application/json"));
        string Registration(string stream, string callBack) =>
            $$"""{"CallBackUrl":"{{callBack}}","StreamName":"{{stream}}","StreamType":"log_tcp_complete_v15","StartTime":0}""";
        const string Collection = """{"start":"2015-02-27T22:00:00Z","end":"2015-02-27T23:00:00Z","requester":"org.mplane.SSB.Clients.Client-1"}""";

        return
        [
            new("no credentials: PUT a file", 401, ct => Put(c.Anonymous, file, ct)),
            new("an unknown token", 401, ct => Put(c.Anonymous, file, ct, null, ("Authorization", "Bearer not-a-token-0123456789abcdef"))),
            new("credentials of another scheme (Basic)", 401, ct => Put(c.Anonymous, file, ct, null, ("Authorization", "Basic YWRtaW46YWRtaW4="))),
            new("a certificate of another CA naming an authorized identity: PUT", null, ct => Put(c.OtherCa, file, ct)),
            new("a certificate of another CA: GET /status", null, ct => SendAsync(c.OtherCa, HttpMethod.Get, At("/status"), ct)),
            new("an unauthorized identity: PUT a log_ stream", 403, ct => Put(c.Intruder, file, ct)),
            new("an unauthorized identity: GET /status", 403, ct => SendAsync(c.Intruder, HttpMethod.Get, At("/status"), ct)),
            new("an unauthorized identity: open a collection", 403, ct => Post(c.Intruder, CollectionProtocol.Path, Collection, ct)),
            new("an unauthorized identity: register a pull import", 403, ct => Post(c.Intruder, "/DBSImport", Registration(Stream, "127.0.0.1:9"), ct)),
            new("a registration pulling from another host (SSRF)", 403, ct => Post(c.Probe, "/DBSImport", Registration(Stream, "169.254.169.254:80"), ct)),
            new("path traversal, encoded slashes", 400, ct => Put(c.Probe, At($"{PushProtocol.StreamsPath}/{Stream}/files/..%2F..%2F..%2Fcanary.txt"), ct)),
            new("path traversal, dot segments", 404, ct => RawAsync(repo, c.ProbeTls, $"PUT {PushProtocol.StreamsPath}/{Stream}/files/a/../../../../../canary.txt HTTP/1.1\r\nContent-Length: 0", ct)),
            new("path traversal in the stream name", 400, ct => Put(c.Probe, At($"{PushProtocol.StreamsPath}/..%2F..%2Ftmp/files/x"), ct)),
            new("an absolute path", 400, ct => Put(c.Probe, At($"{PushProtocol.StreamsPath}/{Stream}/files/%2Fetc%2Fpasswd"), ct)),
            new("a hidden segment", 400, ct => Put(c.Probe, At($"{PushProtocol.StreamsPath}/{Stream}/files/.ssh/authorized_keys"), ct)),
            new("SQL in the stream name", 400, ct => Put(c.Probe, At($"{PushProtocol.StreamsPath}/log_x%27%3B%20DROP%20TABLE%20mplane.imports%3B--/files/{File}"), ct)),
            new("SQL in the stream type", 400, ct => Put(c.Probe, file, ct, null, (PushProtocol.StreamTypeHeader, "log'; DROP TABLE mplane.imports; --"))),
            new("SQL in a registration's stream name", 400, ct => Post(c.Probe, "/DBSImport", Registration("log_x; DROP TABLE mplane.imports", "127.0.0.1:9"), ct)),
            new("a declared length over max_file_size", 413, ct => Put(c.Probe, file, ct, null, (PushProtocol.LengthHeader, "10737418240"))),
            new("a body longer than its declared length", 400, ct => Put(c.Probe, file, ct, null, (PushProtocol.LengthHeader, "10"))),
            new("a gzip bomb (10 MB of zeros in a few KB)", 400, ct => Put(c.Probe, file, ct, GzipBomb(), ("Content-Encoding", "gzip"), (PushProtocol.LengthHeader, "100"))),
            new("an oversized registration (100 KB)", 413, ct => Post(c.Probe, "/DBSImport", Registration(new string('a', 100_000), "127.0.0.1:9"), ct)),
            new("an oversized collection request (100 KB)", 413, ct => Post(c.Proxy, CollectionProtocol.Path, Collection.Replace("Client-1", new string('a', 100_000), StringComparison.Ordinal), ct)),
            new("deeply nested JSON: a registration", 400, ct => Post(c.Probe, "/DBSImport", Nested(2000), ct)),
            new("deeply nested JSON: a collection request", 400, ct => Post(c.Proxy, CollectionProtocol.Path, Nested(2000), ct)),
            new("a content encoding it does not take", 415, ct => Put(c.Probe, file, ct, null, ("Content-Encoding", "br"))),
            new("a negative offset", 400, ct => Put(c.Probe, file, ct, null, (PushProtocol.OffsetHeader, "-1"))),
            new("a method it does not serve: DELETE a file", 405, ct => SendAsync(c.Probe, HttpMethod.Delete, file, ct)),
            new("a path it does not serve", 404, ct => SendAsync(c.Probe, HttpMethod.Get, At("/admin/config"), ct)),
            new("a collection id that is not one", 400, ct => SendAsync(c.Proxy, HttpMethod.Get, At($"{CollectionProtocol.Path}/..%2Fcollections.json"), ct)),
            new("a collection that does not exist", 404, ct => SendAsync(c.Proxy, HttpMethod.Get, At($"{CollectionProtocol.Path}/0123456789abcdef0123456789abcdef"), ct)),
            new("a pull import that does not exist: DELETE", 404, ct => SendAsync(c.Probe, HttpMethod.Delete, At("/DBSImport/7"), ct)),
        ];
    }

    /// <summary>A JSON object nested <paramref name="depth"/> objects deep (<c>{"a":{"a":...1}}</c>).</summary>
    public static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    private static byte[] GzipBomb()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(new byte[10 << 20]);
        }

        return compressed.ToArray();
    }
}
