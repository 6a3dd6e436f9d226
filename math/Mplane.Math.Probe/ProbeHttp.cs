using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Mplane.Security;

namespace Mplane.Math.Probe;

/// <summary>
/// The probe's HTTP client to the repository, from Microsoft.Extensions.Http's factory (handlers
/// pooled and renewed every few minutes, so a repository moved in DNS is found again): its client
/// certificate (mutual TLS) and the repository's certificate checked against the configured CA (not
/// the system's roots) and against the host name; or a shared token. No redirects are followed.
/// Retries are not the handler's business: an upload is retried as a whole (HEAD, then PUT from the
/// offset held) by <see cref="PushUploader"/>.
/// </summary>
public static class ProbeHttp
{
    /// <summary>The name of the repository's client in the factory.</summary>
    public const string ClientName = "repository";

    /// <summary>Registers the repository's client for <paramref name="settings"/>.</summary>
    public static IHttpClientBuilder AddRepositoryClient(this IServiceCollection services, ProbeSettings settings) =>
        services
            .AddHttpClient(ClientName, http =>
            {
                http.Timeout = Timeout.InfiniteTimeSpan; // uploads of large files take long; cancellation ends them
                http.DefaultRequestHeaders.UserAgent.ParseAdd("math_probe/1.0");
                if (settings.Token is { } token)
                {
                    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }
            })
            .ConfigurePrimaryHttpMessageHandler(() => Handler(settings))
            .SetHandlerLifetime(TimeSpan.FromMinutes(5));

    /// <summary>A service provider holding just the repository's client (the probe's process, tests).</summary>
    public static ServiceProvider CreateServices(ProbeSettings settings)
    {
        var services = new ServiceCollection();
        services.AddRepositoryClient(settings);
        return services.BuildServiceProvider();
    }

    /// <summary>The factory of <paramref name="services"/>.</summary>
    public static IHttpClientFactory Factory(this IServiceProvider services) => services.GetRequiredService<IHttpClientFactory>();

    private static SocketsHttpHandler Handler(ProbeSettings settings)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        if (settings.Tls is { } tls)
        {
            handler.SslOptions = MutualTls.ClientOptions(tls.Certificate, tls.Ca);
        }

        return handler;
    }
}
