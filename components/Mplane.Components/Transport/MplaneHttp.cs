using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Mplane.Protocol.Messages;

namespace Mplane.Components.Transport;

/// <summary>
/// mPlane over HTTP as the reference implementation frames it: bodies typed exactly
/// <c>application/x-mplane+json</c>, with no charset (reference peers compare the string and silently
/// drop anything else), and replies used only when they are 200 with exactly that type.
/// </summary>
public static class MplaneHttp
{
    /// <summary>A request body holding <paramref name="message"/>, typed exactly as reference peers require.</summary>
    public static HttpContent Content(Message message)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(MessageCodec.Write(message)));
        content.Headers.ContentType = new MediaTypeHeaderValue(MessageCodec.ContentType); // no charset
        return content;
    }

    /// <summary>Whether <paramref name="response"/> carries an mPlane message (status 200, the exact media type).</summary>
    public static bool IsMessage(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.OK && response.Content.Headers.ContentType?.ToString() == MessageCodec.ContentType;

    /// <summary>The message in <paramref name="response"/>.</summary>
    /// <exception cref="FormatException">The response is not an mPlane message; the message says what it is instead.</exception>
    public static async Task<Message> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!IsMessage(response))
        {
            throw new FormatException($"expected 200 {MessageCodec.ContentType}, got {(int)response.StatusCode} {response.Content.Headers.ContentType}");
        }

        return MessageCodec.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }
}
