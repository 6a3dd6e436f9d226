using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Mplane.Host.Dashboard;

/// <summary>One file of the dashboard, held in memory.</summary>
/// <param name="Path">Its path below <c>/dashboard/</c>.</param>
/// <param name="Content">Its bytes.</param>
/// <param name="ContentType">Its media type.</param>
/// <param name="ETag">A strong validator: a hash of the content.</param>
internal sealed record DashboardAsset(string Path, byte[] Content, string ContentType, string ETag);

/// <summary>
/// The dashboard's files (<c>Dashboard/wwwroot</c>), embedded in the assembly at build time and
/// served from memory: the pages work wherever the program runs from, the files cannot be changed
/// or added to on a deployed machine, and only the embedded paths exist (no file system lookup, so
/// no traversal). Loaded once per server; nothing is shared between servers.
/// </summary>
internal sealed class DashboardAssets
{
    /// <summary>The logical name prefix the project file gives the embedded files.</summary>
    public const string ResourcePrefix = "dashboard/";

    // Only types the dashboard uses: a file of another kind fails the start rather than being served as something else.
    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".txt"] = "text/plain; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    // Scripts, styles and requests only from this server; no plugins, frames or inline scripts.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private readonly FrozenDictionary<string, DashboardAsset> _assets;

    private DashboardAssets(FrozenDictionary<string, DashboardAsset> assets) => _assets = assets;

    /// <summary>The paths served, below <c>/dashboard/</c>.</summary>
    public IEnumerable<string> Paths => _assets.Keys;

    /// <summary>Reads the embedded files of <paramref name="assembly"/>.</summary>
    /// <exception cref="InvalidOperationException">There are none (the build lost them), or one has a type not served.</exception>
    public static DashboardAssets Load(Assembly assembly)
    {
        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var path = resource[ResourcePrefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(path), out var contentType))
            {
                throw new InvalidOperationException($"the dashboard file '{path}' has a type the dashboard does not serve");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            assets[path] = new DashboardAsset(path, content, contentType, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..32]}\"");
        }

        return assets.ContainsKey("index.html")
            ? new DashboardAssets(assets.ToFrozenDictionary(StringComparer.Ordinal))
            : throw new InvalidOperationException($"{assembly.GetName().Name} holds no dashboard (no embedded {ResourcePrefix}index.html)");
    }

    /// <summary>Answers a request for <paramref name="path"/> (below <c>/dashboard/</c>; empty: the status page).</summary>
    public IResult Serve(string? path, HttpContext context)
    {
        if (!_assets.TryGetValue(string.IsNullOrEmpty(path) ? "index.html" : path, out var asset))
        {
            return Results.NotFound();
        }

        // The names carry no version, and a new build changes the files under them: the browser keeps
        // its copy but asks each time (on loopback, a 304 costs nothing).
        var headers = context.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        return context.Request.Headers.IfNoneMatch.Contains(asset.ETag)
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(asset.Content, asset.ContentType);
    }
}
