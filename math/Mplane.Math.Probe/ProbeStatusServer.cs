using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mplane.Math.Probe;

/// <summary>The probe's status as JSON at <c>GET /status</c>, on a loopback address only; nothing else is served.</summary>
public static class ProbeStatusServer
{
    /// <summary>Builds the server on <paramref name="endpoint"/>, which must be a loopback address.</summary>
    public static WebApplication Build(IPEndPoint endpoint, ProbeSettings settings, ProbeStatus status)
    {
        if (!IPAddress.IsLoopback(endpoint.Address))
        {
            throw new ArgumentException($"the status is served on loopback only, not {endpoint}");
        }

        // The content root in the program's folder and no configuration reload: by default the working
        // directory is watched recursively, and every write to files below it (a spool) wakes the watcher.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(endpoint);
        });
        var app = builder.Build();
        app.MapGet("/status", (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(
                Newtonsoft.Json.JsonConvert.SerializeObject(new { settings.Mode, Repository = settings.Repository.ToString(), settings.Directory, Status = status }),
                context.RequestAborted);
        });
        return app;
    }
}
