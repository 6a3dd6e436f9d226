using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Mplane.Reliability.Tests.Security;

/// <summary>Sends probes: through an <see cref="HttpClient"/>, or raw over TCP (and TLS) for what a client library would tidy up (dot segments, odd methods).</summary>
internal static class ProbeRequests
{
    /// <summary>The longest answer kept.</summary>
    private const int MaxAnswer = 64 * 1024;

    /// <summary>Sends <paramref name="method"/> <paramref name="uri"/> with <paramref name="body"/> and extra headers.</summary>
    public static async Task<ProbeAnswer> SendAsync(
        HttpClient http, HttpMethod method, Uri uri, CancellationToken cancellationToken, HttpContent? body = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = body };
        // With a body, the headers go first and the body only once the server asks for it: a server
        // refusing on the headers (401, 413 on the declared length) then answers before a byte of the
        // body is sent, instead of closing on a body still being written (a broken pipe, not an answer).
        request.Headers.ExpectContinue = body is not null;
        foreach (var (name, value) in headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                (request.Content ??= new ByteArrayContent([])).Headers.TryAddWithoutValidation(name, value);
            }
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return new ProbeAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (HttpRequestException e) when (Refused(e))
        {
            return ProbeAnswer.HandshakeRefused;
        }
    }

    /// <summary>A text body with a content type.</summary>
    public static HttpContent Text(string text, string contentType) =>
        new StringContent(text, Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType));

    /// <summary>
    /// Writes <paramref name="head"/> (request line and headers; <c>Connection: close</c> is added, and
    /// <c>Host</c> unless the head has one) and <paramref name="body"/> to <paramref name="server"/>, over TLS with
    /// <paramref name="tls"/> when given, and reads the answer's status.
    /// </summary>
    public static async Task<ProbeAnswer> RawAsync(Uri server, SslClientAuthenticationOptions? tls, string head, CancellationToken cancellationToken, byte[]? body = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, cancellationToken).ConfigureAwait(false);
        Stream stream = tcp.GetStream();
        try
        {
            if (tls is not null)
            {
                var secure = new SslStream(stream);
                await secure.AuthenticateAsClientAsync(tls, cancellationToken).ConfigureAwait(false);
                stream = secure;
            }

            var host = head.Contains("\r\nHost:", StringComparison.OrdinalIgnoreCase) ? string.Empty : $"\r\nHost: {server.Host}:{server.Port.ToString(CultureInfo.InvariantCulture)}";
            try
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{head}{host}\r\nConnection: close\r\n\r\n"), cancellationToken).ConfigureAwait(false);
                if (body is not null)
                {
                    await stream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (IOException) when (tls is null)
            {
                // Refused before all was sent: the answer may still be there to read.
            }

            var answer = await ReadAnswerAsync(stream, cancellationToken).ConfigureAwait(false);
            var statusLine = answer.Split("\r\n", 2)[0].Split(' ');
            return statusLine.Length > 1 && int.TryParse(statusLine[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status)
                ? new ProbeAnswer(status, answer)
                : answer.Length == 0 && tls is not null ? ProbeAnswer.HandshakeRefused : new ProbeAnswer(0, answer);
        }
        catch (Exception e) when (tls is not null && e is AuthenticationException or IOException)
        {
            return ProbeAnswer.HandshakeRefused;
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<string> ReadAnswerAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var answer = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while (answer.Length < MaxAnswer && (read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            answer.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(answer.GetBuffer(), 0, (int)answer.Length);
    }

    /// <summary>Whether the server refused the TLS handshake, or cut the connection right after it (TLS 1.3 checks the client's certificate after the client is done).</summary>
    private static bool Refused(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.SecureConnectionError or HttpRequestError.ResponseEnded ||
        e.InnerException is AuthenticationException;
}
