using System.Globalization;
using Mplane.Math.Transfer;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Mplane.Math.Repo;

/// <summary>
/// Reads a <see cref="CollectionRequest"/> from a peer's JSON, field by field, so that what is wrong
/// is named: a body that is not a JSON object, a <c>start</c> or <c>end</c> that is not an ISO 8601
/// time, an <c>end</c> not after the <c>start</c>, an empty <c>requester</c>. Unknown fields are
/// ignored (a newer client may send more).
/// </summary>
public static class CollectionRequestReader
{
    /// <summary>The longest requester accepted (an mPlane identity is far shorter).</summary>
    public const int MaxRequesterLength = 512;

    /// <summary>ISO 8601 only (a date, 'T', a time, an optional offset): the general parser would also take "1/2/2015" and guess.</summary>
    private static readonly string[] IsoFormats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK"];

    /// <summary>Parses <paramref name="json"/>.</summary>
    /// <exception cref="FormatException">The body or one of its fields is wrong; the message names the field.</exception>
    public static CollectionRequest Parse(string json)
    {
        JObject body;
        try
        {
            // Times stay strings: Newtonsoft's own date parsing would drop their offsets.
            using var reader = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None, MaxDepth = 8 };
            body = JObject.Load(reader);
            if (reader.Read() && reader.TokenType != JsonToken.Comment)
            {
                throw new FormatException("the body holds more than one JSON value");
            }
        }
        catch (JsonException e)
        {
            throw new FormatException($"the body is not a JSON object: {e.Message}", e);
        }

        var start = Time(body, "start") ?? throw new FormatException("start is missing: an ISO 8601 time such as 2015-02-27T22:00:00Z");
        var end = Time(body, "end");
        if (end <= start)
        {
            throw new FormatException($"end ({end:O}) must be after start ({start:O})");
        }

        var requester = body["requester"] is { Type: JTokenType.String } text ? (string)text! : null;
        if (string.IsNullOrWhiteSpace(requester) || requester.Length > MaxRequesterLength || requester.Any(char.IsControl))
        {
            throw new FormatException($"requester must be a non-empty string of at most {MaxRequesterLength} characters without control characters (the specification's mPlane identity)");
        }

        return new CollectionRequest(start, end, requester);
    }

    /// <summary>The field <paramref name="name"/> as a UTC time (a time without an offset is taken as UTC), null when absent or JSON null.</summary>
    private static DateTimeOffset? Time(JObject body, string name)
    {
        var token = body[name];
        if (token is null || token.Type == JTokenType.Null)
        {
            return null;
        }

        return token.Type == JTokenType.String &&
               DateTimeOffset.TryParseExact((string)token!, IsoFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new FormatException($"{name} is not an ISO 8601 time such as 2015-02-27T22:00:00Z");
    }
}
