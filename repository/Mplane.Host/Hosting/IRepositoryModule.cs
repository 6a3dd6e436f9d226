namespace Mplane.Host.Hosting;

/// <summary>
/// One part of the repository (math_repo, the scheduler, retention, ...) run by the host. It works
/// until its token is cancelled and then returns, leaving nothing half done: whatever it was writing
/// is either committed or rolled back. Throwing means it failed; the host restarts it after a penalty.
/// </summary>
public interface IRepositoryModule
{
    /// <summary>The module's name, as in <c>--only</c> and the configuration.</summary>
    string Name { get; }

    /// <summary>Works until <paramref name="cancellationToken"/> is cancelled.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
