using System.Diagnostics;
using System.Globalization;

namespace Mplane.Testing;

/// <summary>
/// Signals for programs a test runs as processes. .NET can only SIGKILL another process
/// (<see cref="Process.Kill(bool)"/>); SIGTERM, what an operator or a service manager sends, goes
/// through <c>kill</c>.
/// </summary>
public static class ProcessSignals
{
    /// <summary>Sends SIGTERM to <paramref name="process"/> unless it has exited already.</summary>
    public static async Task TerminateAsync(Process process, CancellationToken cancellationToken)
    {
        if (process.HasExited)
        {
            return;
        }

        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }
}
