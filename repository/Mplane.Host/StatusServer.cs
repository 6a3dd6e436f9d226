using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mplane.Warehouse.Status;
using Npgsql;

namespace Mplane.Host;

/// <summary>
/// Serves the warehouse status as JSON at <c>GET /status</c> on a loopback address only. Nothing
/// else is served: every other path is 404, every other method 405.
/// </summary>
public static class StatusServer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Builds the server on 127.0.0.1:<paramref name="port"/> (0 picks a free port).</summary>
    public static WebApplication Build(NpgsqlDataSource dataSource, int port, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(dataSource);

        var app = builder.Build();
        app.MapGet("/status", async (NpgsqlDataSource source, HttpContext context) =>
            Results.Json(await WarehouseStatus.ReadAsync(source, context.RequestAborted).ConfigureAwait(false), Json));
        return app;
    }

    /// <summary>The address the started server listens on.</summary>
    public static Uri Address(WebApplication app) => new(app.Urls.First());
}
