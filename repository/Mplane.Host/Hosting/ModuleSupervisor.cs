using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mplane.Host.Modules;

namespace Mplane.Host.Hosting;

/// <summary>
/// Runs one module as a hosted service: starts it, reports it in <c>mplane.modules</c> (running once
/// it is up, then every <see cref="ModuleStates.HeartbeatInterval"/>, also while it waits to restart),
/// logs its failures and starts it again after a growing <see cref="RestartPenalty"/>. Nothing escapes
/// to the host, so the other modules keep running. Stopping the host cancels the module and reports it stopped.
/// </summary>
public sealed class ModuleSupervisor(
    IRepositoryModule module, ModuleStates states, RestartPenalty penalty, ILogger<ModuleSupervisor> logger, TimeProvider? time = null) : BackgroundService
{
    /// <summary>How long a module without a start signal must run before it counts as running.</summary>
    public static readonly TimeSpan StartGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a module that ended by itself may precede the host's stop: servers of their own also
    /// hear SIGTERM and may stop a moment before the host cancels the modules. That is no failure.
    /// </summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

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
        await GuardedAsync(() => states.SupersedeAsync(module.Name, Instance, stoppingToken)).ConfigureAwait(false);
        var quickFailures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            await ReportAsync(ModuleState.Starting, null, stoppingToken).ConfigureAwait(false);
            var started = _time.GetTimestamp();
            var error = await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            if (error is null)
            {
                break;
            }

            Restarts++;
            var wait = penalty.Next(_time.GetElapsedTime(started), ref quickFailures);
            logger.LogWarning("Module {Module} restarts in {Wait} (restart {Restarts}; {Error})", module.Name, wait, Restarts, error);
            await ReportAsync(ModuleState.Restarting, error, stoppingToken).ConfigureAwait(false);
            if (!await WaitBeatingAsync(wait, stoppingToken).ConfigureAwait(false))
            {
                break;
            }
        }

        logger.LogInformation("Module {Module} stopped", module.Name);
        await ReportAsync(ModuleState.Stopped, null, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Runs the module once; returns why it failed, or null when it ended because the host stops.</summary>
    private async Task<string?> RunOnceAsync(CancellationToken stoppingToken)
    {
        using var beating = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        Task run;
        try
        {
            logger.LogInformation("Module {Module} started", module.Name);
            run = module.RunAsync(stoppingToken);
        }
        catch (Exception e)
        {
            run = Task.FromException(e);
        }

        var heartbeat = BeatAsync(run, beating.Token);
        string? error;
        var endedAlone = false;
        try
        {
            await run.ConfigureAwait(false);
            error = "it ended by itself";
            endedAlone = true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            error = null;
        }
        catch (Exception e)
        {
            error = e.Message;
            if (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Module {Module} failed: {Error}", module.Name, e.Message);
            }
        }
        finally
        {
            await beating.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }

        if (endedAlone && !stoppingToken.IsCancellationRequested)
        {
            // Perhaps a server that heard SIGTERM before the host did: then the host's stop follows within moments.
            await DelayAsync(StopGrace, stoppingToken).ConfigureAwait(false);
        }

        return stoppingToken.IsCancellationRequested ? null : error;
    }

    /// <summary>Reports running once the module is up, then beats until cancelled.</summary>
    private async Task BeatAsync(Task run, CancellationToken cancellationToken)
    {
        try
        {
            var up = module is IStartSignal signal ? signal.Started : Task.Delay(StartGrace, _time, cancellationToken);
            if (await Task.WhenAny(up, run).ConfigureAwait(false) == run || !up.IsCompletedSuccessfully)
            {
                return;
            }

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

    /// <summary>Waits out a restart penalty, still reporting the module (restarting, not lost); false when the host stops meanwhile.</summary>
    private async Task<bool> WaitBeatingAsync(TimeSpan wait, CancellationToken stoppingToken)
    {
        var until = _time.GetTimestamp() + (long)(wait.TotalSeconds * _time.TimestampFrequency);
        while (!stoppingToken.IsCancellationRequested)
        {
            var left = TimeSpan.FromSeconds((until - _time.GetTimestamp()) / (double)_time.TimestampFrequency);
            if (left <= TimeSpan.Zero)
            {
                return true;
            }

            await DelayAsync(left < ModuleStates.HeartbeatInterval ? left : ModuleStates.HeartbeatInterval, stoppingToken).ConfigureAwait(false);
            if (!stoppingToken.IsCancellationRequested && _time.GetTimestamp() < until)
            {
                await ReportAsync(ModuleState.Restarting, null, stoppingToken).ConfigureAwait(false);
            }
        }

        return false;
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Reports the module's state; a database that cannot be reached is logged, never fatal (the module may not need it).</summary>
    private Task ReportAsync(ModuleState state, string? error, CancellationToken cancellationToken) =>
        GuardedAsync(async () =>
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(TimeSpan.FromSeconds(5));
            await states.ReportAsync(module.Name, Instance, state, error, Restarts, bounded.Token).ConfigureAwait(false);
        });

    /// <summary>Runs a bookkeeping step; whatever goes wrong in it is logged and never stops the supervisor.</summary>
    private async Task GuardedAsync(Func<Task> step)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogDebug("Module {Module}: its state could not be recorded: {Error}", module.Name, e.Message);
        }
    }
}
