namespace Mplane.Host.Hosting;

/// <summary>Waiting for a module's end when its work runs on a web server of its own (math_repo, the status server).</summary>
internal static class HostedWait
{
    /// <summary>
    /// Returns when the module is to stop or its server stopped. Returning is not failing: the
    /// supervisor tells a server that heard SIGTERM a moment before the host from one that stopped alone.
    /// </summary>
    public static async Task UntilAsync(CancellationToken stopping, CancellationToken serverStopping)
    {
        using var any = CancellationTokenSource.CreateLinkedTokenSource(stopping, serverStopping);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, any.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
