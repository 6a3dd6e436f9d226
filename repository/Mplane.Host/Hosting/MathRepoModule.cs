using Microsoft.Extensions.Logging;
using Mplane.Math.Repo;
using Npgsql;

namespace Mplane.Host.Hosting;

/// <summary>math_repo: receives the probes' files, stores them durably and imports them (its own HTTPS listener, from its own configuration).</summary>
public sealed class MathRepoModule(RepoSettings settings, NpgsqlDataSource dataSource, ILoggerFactory loggers) : IRepositoryModule, IStartSignal
{
    private TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc />
    public string Name => "math_repo";

    /// <inheritdoc />
    public Task Started => _started.Task;

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var repo = await RepoHost.StartAsync(settings, settings.Handler == "warehouse" ? dataSource : null, loggers, cancellationToken).ConfigureAwait(false);
        await using (repo.ConfigureAwait(false))
        {
            loggers.CreateLogger<MathRepoModule>().LogInformation("math_repo listens on {Address}", repo.Address);
            _started.TrySetResult();
            await HostedWait.UntilAsync(cancellationToken, repo.Stopping).ConfigureAwait(false);
        }
    }
}
