using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mplane.Math.Transfer;
using Mplane.Warehouse.Import;
using Npgsql;

namespace Mplane.Math.Repo;

/// <summary>A running math_repo: the HTTP server, the handler queue and the pull imports, started and stopped together.</summary>
public sealed class RepoHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private Task _handling = Task.CompletedTask;
    private readonly TransferLedger _ledger;
    private readonly HttpClient _http;
    private readonly RepoMetrics _metrics;

    private RepoHost(WebApplication app, RepoServices services, TransferLedger ledger, HttpClient http, RepoMetrics metrics)
    {
        _app = app;
        Services = services;
        _ledger = ledger;
        _http = http;
        _metrics = metrics;
    }

    /// <summary>The store, queue and pull imports.</summary>
    public RepoServices Services { get; }

    /// <summary>Signalled when the host is asked to stop (SIGINT or SIGTERM reach it through the hosting lifetime).</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    /// <summary>The address the server listens on.</summary>
    public Uri Address => new(_app.Urls.First());

    /// <summary>Starts math_repo; <paramref name="warehouse"/> is required for the warehouse handler.</summary>
    public static async Task<RepoHost> StartAsync(RepoSettings settings, NpgsqlDataSource? warehouse, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        DirectorySync.CreateDirectory(settings.Spool);
        var ledger = await TransferLedger.OpenAsync(settings.LedgerFile, cancellationToken).ConfigureAwait(false);
        var metrics = new RepoMetrics();
        HttpClient? http = null;
        WebApplication app;
        RepoServices services;
        try
        {
            var spool = new SpoolStore(settings.Spool, settings.MaxFileBytes, ledger, metrics);
            IFileHandler handler = settings.Handler == "copy"
                ? new CopyHandler()
                : new WarehouseHandler(
                    new Importer(warehouse ?? throw new ArgumentException("the warehouse handler needs a database", nameof(warehouse)), loggers.CreateLogger<Importer>()),
                    settings.Schema, loggers.CreateLogger<WarehouseHandler>());
            var handling = new HandlerQueue(spool, handler, loggers.CreateLogger<HandlerQueue>());
            http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10), PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            {
                Timeout = Timeout.InfiniteTimeSpan,
            };
            http.DefaultRequestHeaders.UserAgent.ParseAdd("math_repo/1.0");
            var pulls = new PullImports(settings, spool, handling, http, loggers.CreateLogger<PullImports>());
            var collections = await CollectionRegistry.LoadAsync(settings.CollectionsFile, ledger, TimeProvider.System, loggers.CreateLogger<CollectionRegistry>(), cancellationToken).ConfigureAwait(false);
            services = new RepoServices(spool, handling, pulls, collections);
            app = RepoServer.Build(settings, services, logging => logging.Services.AddSingleton(loggers));
        }
        catch
        {
            // A failed start (in the repository host, followed by a restart) leaves no ledger, meter or client open.
            http?.Dispose();
            metrics.Dispose();
            await ledger.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var host = new RepoHost(app, services, ledger, http, metrics);
        var log = loggers.CreateLogger<RepoHost>();
        var (store, queue, pull) = (services.Store, services.Queue, services.Pull);
        foreach (var line in ledger.Damaged)
        {
            log.LogError("{Ledger}: a damaged line was skipped: {Line}", ledger.Path, line);
        }

        // Unhandled files are queued before anything new can be stored, and saved imports resume
        // before any new registration can arrive (one loop per stream).
        queue.EnqueueUnhandled();
        host._handling = Task.WhenAll(
            Task.Run(() => queue.RunAsync(host._stop.Token), CancellationToken.None),
            Task.Run(() => ExpireAbandonedAsync(store, log, host._stop.Token), CancellationToken.None),
            Task.Run(() => ReturnQuarantinedAsync(queue, log, host._stop.Token), CancellationToken.None));
        try
        {
            await pull.StartAsync(host._stop.Token).ConfigureAwait(false);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return host;
    }

    /// <summary>Uploads abandoned for a week are deleted, at start and then hourly: they would hold the stream's quota of unfinished uploads.</summary>
    private static async Task ExpireAbandonedAsync(SpoolStore store, ILogger log, CancellationToken cancellationToken)
    {
        using var hourly = new PeriodicTimer(TimeSpan.FromHours(1));
        do
        {
            try
            {
                if (store.ExpirePartials(TimeSpan.FromDays(7)) is > 0 and var expired)
                {
                    log.LogWarning("{Count} unfinished uploads untouched for 7 days were deleted", expired);
                }
            }
            catch (IOException e)
            {
                log.LogError("Expiring unfinished uploads failed: {Error}", e.Message);
            }
        }
        while (await hourly.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>How often the spool is looked at for quarantined files an operator moved back (they are handled again).</summary>
    public static readonly TimeSpan QuarantineReturnInterval = TimeSpan.FromSeconds(30);

    /// <summary>Queues the quarantined files moved back into the spool, at start and then every <see cref="QuarantineReturnInterval"/>.</summary>
    private static async Task ReturnQuarantinedAsync(HandlerQueue queue, ILogger log, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(QuarantineReturnInterval);
        do
        {
            try
            {
                await queue.EnqueueReturnedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                log.LogError("Looking for files moved back from the quarantine failed: {Error}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Waits until the handler has handled every stored file (for tests and the demo).</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (Services.Queue.Pending > 0)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await Services.Pull.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _handling.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _ledger.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
        _metrics.Dispose();
        _stop.Dispose();
    }
}
