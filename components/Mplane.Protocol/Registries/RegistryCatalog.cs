namespace Mplane.Protocol.Registries;

/// <summary>
/// The registries this project knows, keyed by the URI messages carry, loaded from the copies shipped
/// with the code: the core registry, the Tstat registry and this project's repository registry. Nothing is ever fetched over the network;
/// an unknown URI is an error that says so. The Tstat registry's include of the unavailable demo
/// registry resolves as empty. Lookups see a registry's own elements, then its includes (depth
/// first), then the core registry, as the reference's global lookup does for the names in use.
/// </summary>
public sealed class RegistryCatalog
{
    /// <summary>The core registry's URI.</summary>
    public const string CoreUri = "http://ict-mplane.eu/registry/core";

    /// <summary>The Tstat registry's URI.</summary>
    public const string TstatUri = "https://raw.githubusercontent.com/fp7mplane/components/master/tstat/tstat-registry.json";

    /// <summary>The demo registry the Tstat registry includes; its content is not available anywhere.</summary>
    public const string DemoUri = "http://ict-mplane.eu/registry/demo";

    /// <summary>
    /// This project's registry: the elements of the repository's own capabilities (files, rows, tables,
    /// views), self-contained so that a Python peer can preload it (<c>registry_preload</c>) without
    /// fetching anything. A URN, not a URL: there is nothing to fetch.
    /// </summary>
    public const string RepositoryUri = "urn:mplane-repository:registry:repository";

    private readonly Dictionary<string, Registry> _registries = new(StringComparer.Ordinal);

    /// <summary>The shipped registries, plus <paramref name="extra"/> ones (tests, local additions).</summary>
    public RegistryCatalog(IEnumerable<Registry>? extra = null)
    {
        foreach (var name in new[] { "core-registry.json", "tstat-registry.json", "repository-registry.json" })
        {
            using var stream = typeof(RegistryCatalog).Assembly.GetManifestResourceStream("registry/" + name)
                ?? throw new InvalidOperationException($"the shipped registry {name} is missing from the assembly");
            using var reader = new StreamReader(stream);
            Add(Registry.Parse(reader.ReadToEnd(), name));
        }

        _registries[DemoUri] = new Registry(DemoUri, 0, [], new Dictionary<string, Element>());
        foreach (var registry in extra ?? [])
        {
            Add(registry);
        }
    }

    /// <summary>The URIs known.</summary>
    public IEnumerable<string> Uris => _registries.Keys;

    /// <summary>Resolves <paramref name="name"/> as seen from the registry <paramref name="registryUri"/>.</summary>
    /// <exception cref="FormatException">The registry or the name is unknown; the message names both.</exception>
    public Element Resolve(string registryUri, string name) =>
        Find(registryUri, name, []) ?? (_registries[CoreUri].Elements.TryGetValue(name, out var core) ? core : null)
        ?? throw new FormatException($"element '{name}' is not in registry {registryUri}, its includes or the core registry");

    private Element? Find(string uri, string name, HashSet<string> seen)
    {
        if (!_registries.TryGetValue(uri, out var registry))
        {
            throw new FormatException($"unknown registry {uri}: registries are shipped with the project and never fetched (known: {string.Join(", ", _registries.Keys.Order(StringComparer.Ordinal))})");
        }

        if (!seen.Add(uri))
        {
            return null; // an include cycle
        }

        if (registry.Elements.TryGetValue(name, out var own))
        {
            return own; // own elements override included ones
        }

        foreach (var include in registry.Includes)
        {
            if (Find(include, name, seen) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private void Add(Registry registry) => _registries[registry.Uri] = registry;
}
