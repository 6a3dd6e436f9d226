using Mplane.Postgres;
using Mplane.Testing;

namespace Mplane.Cli.Tests;

/// <summary>Runs the built <c>mplane</c> as a separate process, as a user would.</summary>
internal static class MplaneProcess
{
    public static Task<CommandResult> RunAsync(params string[] arguments) =>
        new ProcessRunner().RunAsync(
            "dotnet", [Path.Combine(AppContext.BaseDirectory, "mplane.dll"), .. arguments], TestTimeout.Token);

    /// <summary>Runs it with <paramref name="environment"/> set (MPLANE_PG for a test's own database).</summary>
    public static Task<CommandResult> RunAsync(IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments) =>
        new ProcessRunner().RunAsync(
            "dotnet", [Path.Combine(AppContext.BaseDirectory, "mplane.dll"), .. arguments], TestTimeout.Token, environment);
}
