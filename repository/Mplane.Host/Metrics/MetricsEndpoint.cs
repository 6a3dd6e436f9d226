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
    /// Registers the metrics of <paramref name="dataSource"/>'s database in <paramref name="services"/>:
    /// the container owns them, so they stop listening to the process's instruments when the
    /// application is disposed, whether or not it ever started.
    /// </summary>
    public static IServiceCollection AddRepositoryMetrics(this IServiceCollection services, NpgsqlDataSource dataSource) =>
        services.AddSingleton(provider => new RepositoryMetrics(
            dataSource, provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MetricsEndpoint).FullName!)));

    /// <summary>Serves <see cref="Path"/> from the registry <see cref="AddRepositoryMetrics"/> made, reading the database at each scrape.</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var metrics = app.Services.GetRequiredService<RepositoryMetrics>();
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
