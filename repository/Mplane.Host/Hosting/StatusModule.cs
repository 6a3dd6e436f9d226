using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mplane.Host.Hosting;

/// <summary>The status API, the dashboard and the metrics, on a loopback address.</summary>
public sealed class StatusModule(NpgsqlDataSource dataSource, IPEndPoint listen, ILoggerFactory loggers, string? streamsToken = null) : IRepositoryModule, IStartSignal
{
    private TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc />
    public string Name => "status";

    /// <inheritdoc />
    public Task Started => _started.Task;

    /// <summary>Where it listens once started.</summary>
    public Uri? Address { get; private set; }

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = StatusServer.Build(dataSource, listen.Port, logging => logging.Services.AddSingleton(loggers), streamsToken, listen.Address);
        await using (app.ConfigureAwait(false))
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            Address = StatusServer.Address(app);
            _started.TrySetResult();
            loggers.CreateLogger<StatusModule>().LogInformation("Status, dashboard and metrics on {Address}", Address);
            try
            {
                await HostedWait.UntilAsync(cancellationToken, app.Lifetime.ApplicationStopping).ConfigureAwait(false);
            }
            finally
            {
                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A <c>host.listen</c> value: a loopback address and an explicit port (0 picks a free one).</summary>
    public static bool TryParseListen(string listen, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPEndPoint? endpoint)
    {
        endpoint = null;
        var colon = listen.LastIndexOf(':');
        // IPEndPoint.TryParse takes an address without a port as port 0: a port must be written.
        return colon > 0 && colon < listen.Length - 1 && listen[(colon + 1)..].All(char.IsAsciiDigit)
            && IPEndPoint.TryParse(listen, out endpoint) && IPAddress.IsLoopback(endpoint.Address);
    }
}
