using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mplane.Host.Hosting;

/// <summary>The status API, the dashboard and the metrics, on a loopback address.</summary>
public sealed class StatusModule(NpgsqlDataSource dataSource, int port, ILoggerFactory loggers, string? streamsToken = null) : IRepositoryModule
{
    /// <inheritdoc />
    public string Name => "status";

    /// <summary>Where it listens once started.</summary>
    public Uri? Address { get; private set; }

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var app = StatusServer.Build(dataSource, port, logging => logging.Services.AddSingleton(loggers), streamsToken);
        await using (app.ConfigureAwait(false))
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            Address = StatusServer.Address(app);
            loggers.CreateLogger<StatusModule>().LogInformation("Status, dashboard and metrics on {Address}", Address);
            try
            {
                await HostedWait.UntilStoppedAsync(cancellationToken, app.Lifetime.ApplicationStopping, "the status server").ConfigureAwait(false);
            }
            finally
            {
                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The port of a <c>host.listen</c> value, which must name a loopback address.</summary>
    public static bool TryParseListen(string listen, out int port)
    {
        port = 0;
        return IPEndPoint.TryParse(listen, out var endpoint) && IPAddress.IsLoopback(endpoint.Address) && (port = endpoint.Port) >= 0;
    }
}
