using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mplane.Reliability.Tests.Transfer;

/// <summary>What a <see cref="GarbageClient"/> got back.</summary>
/// <param name="Answer">The answer's first line (<c>HTTP/1.1 409 Conflict</c>), or <c>closed</c> when the server closed or reset the connection without one.</param>
/// <param name="Headers">The answer's head.</param>
/// <param name="Elapsed">How long until the answer or the close.</param>
internal sealed record GarbageOutcome(string Answer, string Headers, TimeSpan Elapsed)
{
    /// <summary>The status of an HTTP answer, or 0.</summary>
    public int Status => Answer.StartsWith("HTTP/", StringComparison.Ordinal) && Answer.Split(' ') is [_, var code, ..] && int.TryParse(code, out var status) ? status : 0;
}

/// <summary>
/// A client that sends math_repo whatever bytes a test gives it, over TLS with a probe's certificate
/// (the attacker got past the handshake) or over plain TCP, and reads what comes back within a bound.
/// </summary>
internal sealed class GarbageClient(IPEndPoint server, X509Certificate2? certificate)
{
    /// <summary>
    /// Sends <paramref name="bytes"/> and reads the answer's head, waiting at most <paramref name="bound"/>;
    /// a request whose body is shorter than it announced leaves the connection stalled until the server gives up on it.
    /// </summary>
    public async Task<GarbageOutcome> SendAsync(byte[] bytes, TimeSpan bound, CancellationToken cancellationToken, bool tls = true)
    {
        var clock = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(bound);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(server, deadline.Token).ConfigureAwait(false);
            await using var network = new NetworkStream(socket, ownsSocket: false);
            Stream stream = network;
            SslStream? ssl = null;
            if (tls)
            {
                ssl = new SslStream(network, leaveInnerStreamOpen: true);
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = "127.0.0.1",
                        ClientCertificates = certificate is null ? null : [certificate],
                        RemoteCertificateValidationCallback = (_, _, _, _) => true, // an attacker does not care who answers
                    },
                    deadline.Token).ConfigureAwait(false);
                stream = ssl;
            }

            await using (ssl)
            {
                try
                {
                    await stream.WriteAsync(bytes, deadline.Token).ConfigureAwait(false);
                    await stream.FlushAsync(deadline.Token).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // The server may close before it has read everything: its answer may still be there.
                }

                var head = await ReadHeadAsync(stream, deadline.Token).ConfigureAwait(false);
                var first = head.Split("\r\n")[0];
                return new GarbageOutcome(first.Length > 0 ? first : "closed", head, clock.Elapsed);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"math_repo neither answered nor closed within {bound.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException)
        {
            return new GarbageOutcome("closed", e.Message, clock.Elapsed);
        }
    }

    /// <summary>A request head in HTTP/1.1 (CRLF line ends, a Host header) followed by <paramref name="body"/>.</summary>
    public static byte[] Request(string method, string path, IEnumerable<string> headers, byte[]? body = null) =>
        [.. Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{string.Concat(headers.Select(h => h + "\r\n"))}\r\n"), .. body ?? []];

    /// <summary>Reads until the end of a response head, the end of the stream, or 64 KB.</summary>
    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (head.Length < 65536 && !head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            head.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }

        return head.ToString();
    }
}
