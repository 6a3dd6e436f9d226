using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Mplane.Math.Transfer;

/// <summary>
/// The original math_probe's registration (<c>POST /DBSImport</c>): where the repository pulls from,
/// the stream's name and type, and the start time in Unix seconds. Written byte for byte as the Go
/// original writes it (including its <c>XMLName</c> artefact); read as the original math_repo reads
/// it: keys case-insensitive, <c>XMLName</c> ignored, a missing <c>StartTime</c> is 0.
/// </summary>
public sealed record Registration(string CallBackUrl, string StreamName, string StreamType, long StartTime)
{
    /// <summary>The largest registration body accepted.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>The JSON the original math_probe sends.</summary>
    public string ToOriginalJson()
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var json = new JsonTextWriter(text) { Formatting = Formatting.None })
        {
            json.WriteStartObject();
            json.WritePropertyName("XMLName");
            json.WriteStartObject();
            json.WritePropertyName("Space");
            json.WriteValue(string.Empty);
            json.WritePropertyName("Local");
            json.WriteValue(string.Empty);
            json.WriteEndObject();
            json.WritePropertyName("CallBackUrl");
            json.WriteValue(CallBackUrl);
            json.WritePropertyName("StreamName");
            json.WriteValue(StreamName);
            json.WritePropertyName("StreamType");
            json.WriteValue(StreamType);
            json.WritePropertyName("StartTime");
            json.WriteValue(StartTime);
            json.WriteEndObject();
        }

        return text.ToString();
    }

    /// <summary>Reads a registration; the message of a <see cref="FormatException"/> says what is wrong.</summary>
    public static Registration Parse(string json)
    {
        JObject body;
        try
        {
            body = JObject.Parse(json, new JsonLoadSettings { DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error });
        }
        catch (JsonException e)
        {
            throw new FormatException($"invalid JSON data: {e.Message}", e);
        }

        string Text(string key) =>
            body.GetValue(key, StringComparison.OrdinalIgnoreCase) is { Type: JTokenType.String } value
                ? value.Value<string>()!
                : throw new FormatException($"invalid JSON data: '{key}' must be a string");

        var start = body.GetValue("StartTime", StringComparison.OrdinalIgnoreCase);
        long startTime = start switch
        {
            null or { Type: JTokenType.Null } => 0,
            { Type: JTokenType.Integer } => start.Value<long>(),
            _ => throw new FormatException("invalid JSON data: 'StartTime' must be an integer (Unix seconds)"),
        };
        return new Registration(Text("CallBackUrl"), Text("StreamName"), Text("StreamType"), startTime);
    }
}
