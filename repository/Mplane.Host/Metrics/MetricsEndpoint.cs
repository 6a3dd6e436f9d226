using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mplane.Host.Metrics;
using Npgsql;

// In the host's namespace, beside StatusServer, so that mapping it needs no other import.
namespace Mplane.Host;

/// <summary><c>GET /metrics</c>: the repository's metrics in Prometheus's text format, for a Prometheus server to scrape.</summary>
public static class MetricsEndpoint
{
    /// <summary>The path.</summary>
    public const string Path = "/metrics";

    /// <summary>The content type of Prometheus's text exposition format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>
    /// Serves <see cref="Path"/> from a registry of this application's own, reading the database of
    /// <paramref name="dataSource"/> at each scrape; the registry stops listening to the process's
    /// instruments when the application stops.
    /// </summary>
    public static WebApplication MapMetrics(this WebApplication app, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MetricsEndpoint).FullName!);
        var metrics = new RepositoryMetrics(dataSource, logger);
        app.Lifetime.ApplicationStopped.Register(metrics.Dispose);
        app.MapGet(Path, async context =>
        {
            // Collected into memory first: a failure then is a 500 with nothing half sent, and the length is known.
            using var buffer = new MemoryStream();
            await metrics.WriteAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            context.Response.ContentType = ContentType;
            context.Response.ContentLength = buffer.Length;
            buffer.Position = 0;
            await buffer.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });
        return app;
    }
}
