namespace Mplane.Host.Hosting;

/// <summary>
/// A module that can tell when it is really up (its server listening), so that it is reported
/// running only then. Modules without it are reported running once they have run a moment without failing.
/// </summary>
public interface IStartSignal
{
    /// <summary>Completes when the current run has started; reset by each run.</summary>
    Task Started { get; }
}
