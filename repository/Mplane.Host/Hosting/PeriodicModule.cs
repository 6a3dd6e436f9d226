namespace Mplane.Host.Hosting;

/// <summary>A module that does a round of work, then waits its interval (retention, analysis, the importer).</summary>
public abstract class PeriodicModule(TimeSpan interval, TimeProvider? time = null) : IRepositoryModule
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <summary>The time between the end of a round and the start of the next.</summary>
    public TimeSpan Interval => interval;

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await RoundAsync(cancellationToken).ConfigureAwait(false);
            await Task.Delay(interval, time ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One round; an exception fails the module (the host restarts it).</summary>
    protected abstract Task RoundAsync(CancellationToken cancellationToken);
}
