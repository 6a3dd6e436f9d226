using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Mplane.Protocol.Messages;

/// <summary>
/// Reads and writes mPlane messages as the reference implementation does: the kind is the first
/// kind key present (capability, specification, result, receipt, redemption, withdrawal, interrupt,
/// exception, envelope); every statement carries <c>version</c> 1, <c>registry</c> and <c>when</c>;
/// values are strings (native JSON numbers and booleans are accepted and turned into the reference's
/// text); empty parameters, metadata and results are omitted; keys are sorted; non-ASCII is escaped.
/// A version above 1, a missing registry or when, a row longer than the results, or nesting deeper
/// than a limit are errors that say so.
/// </summary>
public static class MessageCodec
{
    /// <summary>The HTTP content type of mPlane messages, exactly (no charset).</summary>
    public const string ContentType = "application/x-mplane+json";

    /// <summary>The deepest JSON nesting accepted (envelopes in envelopes included).</summary>
    public const int MaxDepth = 16;

    /// <summary>Parses one message.</summary>
    /// <exception cref="FormatException">Not an mPlane message; the message says why.</exception>
    public static Message Parse(string json)
    {
        JToken token;
        try
        {
            using var reader = new JsonTextReader(new StringReader(json)) { MaxDepth = MaxDepth, DateParseHandling = DateParseHandling.None };
            token = JToken.ReadFrom(reader);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not JSON: {e.Message}", e);
        }

        return token is JObject message ? Read(message) : throw new FormatException("an mPlane message is a JSON object");
    }

    /// <summary>Writes <paramref name="message"/> with sorted keys and 2-space indentation.</summary>
    public static string Write(Message message)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var json = new JsonTextWriter(text) { Formatting = Formatting.Indented, Indentation = 2, StringEscapeHandling = StringEscapeHandling.EscapeNonAscii })
        {
            ToJson(message).WriteTo(json);
        }

        return text.ToString();
    }

    private static Message Read(JObject json)
    {
        var kind = MessageKinds.InParsingOrder.FirstOrDefault(k => json.ContainsKey(k.Key()), (MessageKind)(-1));
        if (kind == (MessageKind)(-1))
        {
            throw new FormatException("Cannot determine message type: no capability, specification, result, receipt, redemption, withdrawal, interrupt, exception or envelope key");
        }

        if (json["version"] is { } version && (version.Type != JTokenType.Integer || version.ToString(Newtonsoft.Json.Formatting.None) is not ("0" or "1")))
        {
            throw new FormatException($"Version mismatch: version {version} is not supported (1 is)");
        }

        switch (kind)
        {
            case MessageKind.Exception:
                return new ExceptionMessage(json["exception"]?.Type == JTokenType.Null ? null : Text(json, "exception"), OptionalText(json, "message") ?? string.Empty);
            case MessageKind.Envelope:
                var contents = json["contents"] as JArray ?? throw new FormatException("an envelope needs a contents array");
                return new Envelope([.. contents.Select(c => c is JObject inner ? Read(inner) : throw new FormatException("an envelope's contents are messages"))])
                {
                    ContentType = Text(json, "envelope"),
                    Token = OptionalText(json, "token"),
                    When = OptionalText(json, "when"),
                    Label = OptionalText(json, "label"),
                };
        }

        var results = json["results"] is JArray names ? names.Select(n => Value(n, "results")).ToList() : [];
        var rows = json["resultvalues"] is JArray values
            ? values.Select((row, i) => row is JArray cells
                ? cells.Count <= results.Count ? (IReadOnlyList<string>)[.. cells.Select(c => Value(c, "resultvalues"))] : throw new FormatException($"resultvalues row {i} has {cells.Count} cells for {results.Count} results")
                : throw new FormatException($"resultvalues row {i} is not an array")).ToList()
            : [];
        return new Statement(kind, Text(json, kind.Key()))
        {
            Registry = OptionalText(json, "registry") ?? throw new FormatException($"the {kind.Key()} has no registry"),
            When = OptionalText(json, "when") ?? throw new FormatException($"the {kind.Key()} has no when"),
            Label = OptionalText(json, "label"),
            Link = OptionalText(json, "link"),
            Export = OptionalText(json, "export"),
            Token = OptionalText(json, "token"),
            Parameters = Map(json, "parameters"),
            Metadata = Map(json, "metadata"),
            Results = results,
            ResultValues = rows,
        };
    }

    private static JObject ToJson(Message message)
    {
        var json = new JObject();
        switch (message)
        {
            case ExceptionMessage exception:
                json["exception"] = exception.Token ?? string.Empty; // a null token crashes reference code that prints exceptions
                json["message"] = exception.Text;
                break;
            case Envelope envelope:
                json["contents"] = new JArray(envelope.Contents.Select(ToJson));
                json["envelope"] = envelope.ContentType;
                Optional(json, "label", envelope.Label);
                Optional(json, "token", envelope.Token);
                json["version"] = 1;
                Optional(json, "when", envelope.When);
                break;
            case Statement statement:
                json[statement.Kind.Key()] = statement.Verb;
                Optional(json, "export", statement.Export);
                Optional(json, "label", statement.Label);
                Optional(json, "link", statement.Link);
                if (statement.Metadata.Count > 0)
                {
                    json["metadata"] = Sorted(statement.Metadata);
                }

                if (statement.Parameters.Count > 0)
                {
                    json["parameters"] = Sorted(statement.Parameters);
                }

                json["registry"] = statement.Registry;
                if (statement.Results.Count > 0)
                {
                    json["results"] = new JArray(statement.Results);
                }

                if (statement.ResultValues.Count > 0)
                {
                    json["resultvalues"] = new JArray(statement.ResultValues.Select(row => new JArray(row)));
                }

                Optional(json, "token", statement.Token);
                json["version"] = 1;
                json["when"] = statement.When;
                break;
        }

        return SortKeys(json);
    }

    private static JObject SortKeys(JObject json) => new(json.Properties().OrderBy(p => p.Name, StringComparer.Ordinal));

    private static JObject Sorted(IReadOnlyDictionary<string, string> map) =>
        new(map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new JProperty(p.Key, p.Value)));

    private static void Optional(JObject json, string key, string? value)
    {
        if (value is not null)
        {
            json[key] = value;
        }
    }

    private static Dictionary<string, string> Map(JObject json, string key) => json[key] switch
    {
        null or { Type: JTokenType.Null } => [],
        JObject map => map.Properties().ToDictionary(p => p.Name, p => Value(p.Value, $"{key}.{p.Name}"), StringComparer.Ordinal),
        _ => throw new FormatException($"'{key}' must be an object of element names to values"),
    };

    private static string Text(JObject json, string key) =>
        OptionalText(json, key) ?? throw new FormatException($"'{key}' must be a string");

    private static string? OptionalText(JObject json, string key) => json[key] switch
    {
        null or { Type: JTokenType.Null } => null,
        { Type: JTokenType.String } value => value.Value<string>(),
        _ => throw new FormatException($"'{key}' must be a string"),
    };

    /// <summary>A value as the reference would have written it: native numbers and booleans become its text.</summary>
    private static string Value(JToken token, string where) => token.Type switch
    {
        JTokenType.String => token.Value<string>()!,
        JTokenType.Integer => token.ToString(Formatting.None), // any size, as written
        JTokenType.Float => Values.ValueCodec.Format(Values.Prim.Real, token.Value<double>()),
        JTokenType.Boolean => token.Value<bool>() ? "True" : "False",
        _ => throw new FormatException($"'{where}' holds a {token.Type}, not a value"),
    };
}
