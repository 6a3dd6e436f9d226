using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mplane.Host.Modules;

namespace Mplane.Host.Hosting;

/// <summary>
/// Runs one module as a hosted service: starts it, reports it in <c>mplane.modules</c> (and beats
/// every <see cref="ModuleStates.HeartbeatInterval"/> while it runs), logs its failures and starts it
/// again after a growing <see cref="RestartPenalty"/>. A failure never reaches the host, so the other
/// modules keep running. Stopping the host cancels the module and reports it stopped.
/// </summary>
public sealed class ModuleSupervisor(
    IRepositoryModule module, ModuleStates states, RestartPenalty penalty, ILogger<ModuleSupervisor> logger, TimeProvider? time = null) : BackgroundService
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Where this process runs, as the module states name it.</summary>
    public static string Instance { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>The module supervised.</summary>
    public IRepositoryModule Module => module;

    /// <summary>How often the module failed and was started again.</summary>
    public int Restarts { get; private set; }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Every event of the module's work carries its name (the scope flows with its async calls).
        using var scope = logger.BeginScope("module {Module}", module.Name);
        var quickFailures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            await ReportAsync(ModuleState.Starting, null, stoppingToken).ConfigureAwait(false);
            string error;
            var started = _time.GetTimestamp();
            using var beating = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var heartbeat = BeatAsync(beating.Token);
            try
            {
                logger.LogInformation("Module {Module} started", module.Name);
                await module.RunAsync(stoppingToken).ConfigureAwait(false);
                if (stoppingToken.IsCancellationRequested)
                {
                    break;
                }

                error = "it ended by itself";
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                error = e.Message;
                logger.LogError(e, "Module {Module} failed: {Error}", module.Name, e.Message);
            }
            finally
            {
                await beating.CancelAsync().ConfigureAwait(false);
                await heartbeat.ConfigureAwait(false);
            }

            Restarts++;
            var wait = penalty.Next(_time.GetElapsedTime(started), ref quickFailures);
            logger.LogWarning("Module {Module} restarts in {Wait} (restart {Restarts}; {Error})", module.Name, wait, Restarts, error);
            await ReportAsync(ModuleState.Restarting, error, stoppingToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        logger.LogInformation("Module {Module} stopped", module.Name);
        await ReportAsync(ModuleState.Stopped, null, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReportAsync(ModuleState.Running, null, cancellationToken).ConfigureAwait(false);
            using var timer = new PeriodicTimer(ModuleStates.HeartbeatInterval, _time);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await ReportAsync(ModuleState.Running, null, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Reports the module's state; a database that cannot be reached is logged, never fatal (the module may not need it).</summary>
    private async Task ReportAsync(ModuleState state, string? error, CancellationToken cancellationToken)
    {
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(TimeSpan.FromSeconds(5));
            await states.ReportAsync(module.Name, Instance, state, error, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException)
        {
            logger.LogDebug("Module {Module}: its state could not be recorded: {Error}", module.Name, e.Message);
        }
    }
}
