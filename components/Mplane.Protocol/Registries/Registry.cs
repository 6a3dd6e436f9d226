using Mplane.Protocol.Values;
using Newtonsoft.Json.Linq;

namespace Mplane.Protocol.Registries;

/// <summary>A registry element: a name and its primitive type.</summary>
public sealed record Element(string Name, Prim Prim, string? Description = null);

/// <summary>
/// One registry document in the <c>mplane-0</c> format: its URI (the one messages carry, whatever
/// file it came from), revision, includes and elements.
/// </summary>
public sealed record Registry(string Uri, int Revision, IReadOnlyList<string> Includes, IReadOnlyDictionary<string, Element> Elements)
{
    /// <summary>Reads a registry document; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="FormatException">Not an <c>mplane-0</c> registry; the message says what is wrong.</exception>
    public static Registry Parse(string json, string source)
    {
        JObject document;
        try
        {
            document = JObject.Parse(json);
        }
        catch (Newtonsoft.Json.JsonException e)
        {
            throw new FormatException($"{source}: not JSON: {e.Message}", e);
        }

        if ((string?)document["registry-format"] != "mplane-0")
        {
            throw new FormatException($"{source}: registry-format must be mplane-0");
        }

        var uri = (string?)document["registry-uri"] ?? throw new FormatException($"{source}: registry-uri is missing");
        var elements = new Dictionary<string, Element>(StringComparer.Ordinal);
        foreach (var item in document["elements"] as JArray ?? throw new FormatException($"{source}: elements is missing"))
        {
            if (item is not JObject element)
            {
                throw new FormatException($"{source}: every element is an object with a name and a prim");
            }

            var name = (string?)element["name"] ?? throw new FormatException($"{source}: an element has no name");
            Prim prim;
            try
            {
                prim = Prims.Parse((string?)element["prim"] ?? string.Empty);
            }
            catch (FormatException e)
            {
                throw new FormatException($"{source}: element {name}: {e.Message}", e);
            }

            elements[name] = new Element(name, prim, (string?)element["desc"]);
        }

        var includes = document["includes"] is JArray list ? list.Select(i => (string?)i ?? throw new FormatException($"{source}: includes holds a non-string")).ToList() : [];
        return new Registry(uri, (int?)document["registry-revision"] ?? 0, includes, elements);
    }
}
