using System.Globalization;
using System.Net;
using Mplane.Components.Transport;
using Mplane.Protocol.Messages;

namespace Mplane.Components.Client;

/// <summary>
/// The client's side of an HTTP exchange, strict where the reference client is silent: a reply is an
/// mPlane message only when it is 200 and typed exactly <c>application/x-mplane+json</c>; anything else,
/// and any failure to connect, is a <see cref="MplaneClientException"/> naming the URL and saying what
/// came back instead.
/// </summary>
internal static class ClientTransport
{
    /// <summary>How much of an unexpected body an error quotes.</summary>
    private const int QuotedBody = 200;

    /// <summary>Sends <paramref name="request"/>; failures to connect, to agree on TLS or to answer in time name the URL.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new MplaneClientException($"{request.RequestUri}: {Describe(e)}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MplaneClientException(string.Create(CultureInfo.InvariantCulture, $"{request.RequestUri}: no answer within {http.Timeout.TotalSeconds:0} s"), e);
        }
    }

    /// <summary>POSTs <paramref name="message"/> to <paramref name="url"/> and returns the message answered.</summary>
    public static async Task<Message> PostAsync(HttpClient http, Uri url, Message message, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = MplaneHttp.Content(message) };
        using var response = await SendAsync(http, request, cancellationToken).ConfigureAwait(false);
        return await ReadMessageAsync(response, url, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The message in <paramref name="response"/> from <paramref name="url"/>.</summary>
    /// <exception cref="MplaneClientException">It is not 200 <c>application/x-mplane+json</c>, or not a valid message.</exception>
    public static async Task<Message> ReadMessageAsync(HttpResponseMessage response, Uri url, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!MplaneHttp.IsMessage(response))
        {
            throw Unexpected(response, url, body, MessageCodec.ContentType);
        }

        try
        {
            return MessageCodec.Parse(body);
        }
        catch (FormatException e)
        {
            throw new MplaneClientException($"{url}: not a valid mPlane message: {e.Message}", e);
        }
    }

    /// <summary>The error for a reply that is not what was expected (<paramref name="expected"/>), quoting the start of its body.</summary>
    public static MplaneClientException Unexpected(HttpResponseMessage response, Uri url, string body, string expected)
    {
        var type = response.Content.Headers.ContentType?.ToString() ?? "no content type";
        var quoted = body.Length > QuotedBody ? body[..QuotedBody] + "..." : body;
        var what = response.StatusCode == HttpStatusCode.OK
            ? $"answered 200 with {type} instead of exactly {expected}"
            : $"answered {(int)response.StatusCode} {response.ReasonPhrase} ({type}) instead of 200 {expected}";
        return new MplaneClientException($"{url} {what}{(quoted.Trim().Length > 0 ? ": " + PeerText.Printable(quoted) : string.Empty)}");
    }

    /// <summary>The messages of <paramref name="error"/> and its causes (a TLS failure's reason is in the inner exception).</summary>
    private static string Describe(Exception error)
    {
        var messages = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (!messages.Contains(e.Message, StringComparer.Ordinal))
            {
                messages.Add(e.Message);
            }
        }

        return string.Join(": ", messages);
    }
}
