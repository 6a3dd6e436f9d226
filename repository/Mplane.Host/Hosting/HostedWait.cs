namespace Mplane.Host.Hosting;

/// <summary>Waiting for a module's end when its work runs on a web server of its own (math_repo, the status server).</summary>
internal static class HostedWait
{
    /// <summary>How long a server that stopped first may precede the host's own stop.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Returns when the module is to stop (<paramref name="stopping"/>) or its server stopped. A
    /// server also stops on SIGTERM, a moment before the host cancels its modules: that is only a
    /// failure when the host does not follow within a few seconds.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server stopped by itself.</exception>
    public static async Task UntilStoppedAsync(CancellationToken stopping, CancellationToken serverStopping, string server)
    {
        using var any = CancellationTokenSource.CreateLinkedTokenSource(stopping, serverStopping);
        await DelayAsync(Timeout.InfiniteTimeSpan, any.Token).ConfigureAwait(false);
        if (!stopping.IsCancellationRequested)
        {
            await DelayAsync(Grace, stopping).ConfigureAwait(false);
        }

        if (!stopping.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{server} stopped by itself");
        }
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
