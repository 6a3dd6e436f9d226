using Mplane.Protocol.Registries;
using Mplane.Protocol.Values;

namespace Mplane.Protocol.Tests;

public sealed class RegistryTests
{
    private readonly RegistryCatalog _catalog = new();

    [Fact]
    public void The_Tstat_registry_ships_with_every_element_and_the_upstream_spellings_and_prims()
    {
        Assert.Equal(Prim.String, _catalog.Resolve(RegistryCatalog.TstatUri, "rrdMetirc").Prim);
        Assert.Equal(Prim.Time, _catalog.Resolve(RegistryCatalog.TstatUri, "rtt.min.ms").Prim);
        Assert.Equal(Prim.Boolean, _catalog.Resolve(RegistryCatalog.TstatUri, "source.RFC1323.ws").Prim);
        Assert.Equal(Prim.Url, _catalog.Resolve(RegistryCatalog.TstatUri, "repository.url").Prim);
        Assert.Equal("The URL of a repository to accept indirect export", _catalog.Resolve(RegistryCatalog.TstatUri, "repository.url").Description);
    }

    [Fact]
    public void Core_names_resolve_from_a_Tstat_message_and_the_demo_include_is_empty()
    {
        Assert.Equal(Prim.String, _catalog.Resolve(RegistryCatalog.TstatUri, "System_ID").Prim);
        Assert.Equal(Prim.Address, _catalog.Resolve(RegistryCatalog.TstatUri, "source.ip4").Prim);
        Assert.Equal(Prim.Time, _catalog.Resolve(RegistryCatalog.CoreUri, "start").Prim);
        Assert.Contains(RegistryCatalog.DemoUri, _catalog.Uris);
    }

    [Fact]
    public void Unknown_registries_are_never_fetched_and_unknown_names_are_errors()
    {
        var registry = Assert.Throws<FormatException>(() => _catalog.Resolve("http://example.org/registry", "x"));
        Assert.Contains("unknown registry http://example.org/registry: registries are shipped with the project and never fetched", registry.Message, StringComparison.Ordinal);
        var name = Assert.Throws<FormatException>(() => _catalog.Resolve(RegistryCatalog.TstatUri, "no.such.element"));
        Assert.Equal($"element 'no.such.element' is not in registry {RegistryCatalog.TstatUri}, its includes or the core registry", name.Message);
    }

    [Fact]
    public void Own_elements_override_included_ones_and_include_cycles_end()
    {
        var a = Registry.Parse("""{"registry-format":"mplane-0","registry-uri":"urn:a","includes":["urn:b"],"elements":[{"name":"x","prim":"natural"}]}""", "a");
        var b = Registry.Parse("""{"registry-format":"mplane-0","registry-uri":"urn:b","includes":["urn:a"],"elements":[{"name":"x","prim":"string"},{"name":"y","prim":"real"}]}""", "b");
        var catalog = new RegistryCatalog([a, b]);
        Assert.Equal(Prim.Natural, catalog.Resolve("urn:a", "x").Prim);
        Assert.Equal(Prim.Real, catalog.Resolve("urn:a", "y").Prim);
        Assert.Throws<FormatException>(() => catalog.Resolve("urn:a", "z"));
    }

    [Theory]
    [InlineData("""{"registry-format":"mplane-1","registry-uri":"u","elements":[]}""", "x: registry-format must be mplane-0")]
    [InlineData("""{"registry-format":"mplane-0","registry-uri":"u","elements":[{"name":"a","prim":"int"}]}""", "x: element a: 'int' is not an mPlane primitive type")]
    [InlineData("""{"registry-format":"mplane-0","elements":[]}""", "x: registry-uri is missing")]
    public void Malformed_registries_name_the_problem(string json, string message) =>
        Assert.StartsWith(message, Assert.Throws<FormatException>(() => Registry.Parse(json, "x")).Message, StringComparison.Ordinal);

    [Fact]
    public void The_shipped_Tstat_registry_has_the_upstream_element_counts()
    {
        using var stream = typeof(RegistryCatalog).Assembly.GetManifestResourceStream("registry/tstat-registry.json")!;
        var registry = Registry.Parse(new StreamReader(stream).ReadToEnd(), "tstat");
        Assert.Equal(135, registry.Elements.Count);
        Assert.Equal(
            new Dictionary<Prim, int> { [Prim.Natural] = 76, [Prim.String] = 34, [Prim.Boolean] = 10, [Prim.Time] = 9, [Prim.Real] = 3, [Prim.Address] = 2, [Prim.Url] = 1 },
            registry.Elements.Values.GroupBy(e => e.Prim).ToDictionary(g => g.Key, g => g.Count()));
        Assert.Equal([RegistryCatalog.DemoUri], registry.Includes);
    }
}
