using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Mplane.Math.Transfer;
using Newtonsoft.Json;

namespace Mplane.Math.Probe;

/// <summary>
/// Pull mode, the original's protocol: serves <c>GET /ListDir/&lt;stream&gt;</c> (the finished files as a
/// JSON array of paths beginning with the directory as configured, in time order) and the listed
/// files themselves (with ranges). Unlike the original, only the peers allowed (the repository's
/// addresses) are served, only listed files are served, all files of the newest period are held back,
/// and a file outside the layout is skipped instead of failing every listing.
/// </summary>
public static class PullServer
{
    /// <summary>Builds the server on <paramref name="endpoint"/>.</summary>
    public static WebApplication Build(ProbeSettings settings, IPEndPoint endpoint, IReadOnlyCollection<IPAddress> allowedPeers, Action<ILoggingBuilder>? logging = null)
    {
        // The content root in the program's folder and no configuration reload: by default the working
        // directory is watched recursively, and every write to files below it (a spool) wakes the watcher.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(endpoint);
        });
        var app = builder.Build();
        var prefix = settings.ListingPrefix;
        app.Use(async (context, next) =>
        {
            var remote = context.Connection.RemoteIpAddress;
            remote = remote is { IsIPv4MappedToIPv6: true } ? remote.MapToIPv4() : remote;
            if (remote is null || !allowedPeers.Contains(remote))
            {
                context.Response.StatusCode = 403;
                await context.Response.WriteAsync("this probe serves its repository only", context.RequestAborted).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
        app.MapGet("/ListDir/{stream}", (string stream, HttpContext context) =>
        {
            if (stream != settings.StreamName)
            {
                return Results.Text("Queried Stream not available.", "text/plain; charset=utf-8", statusCode: 405);
            }

            context.Response.Headers[PushProtocol.FinishedOnlyHeader] = "true";

            var listed = Selection(settings).Select(f => $"{prefix}/{f.RelativePath}");
            return Results.Text(JsonConvert.SerializeObject(listed), "text/plain; charset=utf-8");
        });
        app.MapMethods("/{**path}", ["GET", "HEAD"], (string path) =>
        {
            var relative = path.TrimStart('/');
            if (!relative.StartsWith(prefix + "/", StringComparison.Ordinal))
            {
                return Results.Text("404 page not found", "text/plain; charset=utf-8", statusCode: 404);
            }

            relative = relative[(prefix.Length + 1)..];
            var file = Selection(settings).FirstOrDefault(f => f.RelativePath == relative);
            return file is null
                ? Results.Text("404 page not found", "text/plain; charset=utf-8", statusCode: 404)
                : Results.File(file.FullPath, "text/plain; charset=utf-8", enableRangeProcessing: true);
        });
        return app;
    }

    private static IReadOnlyList<FinishedFile> Selection(ProbeSettings settings) =>
        FinishedFiles.Select(settings.Directory, settings.StartTime, settings.Kinds).Files;
}
