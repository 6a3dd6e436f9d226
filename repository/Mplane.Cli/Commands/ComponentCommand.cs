using Mplane.Components.Runtime;

namespace Mplane.Cli.Commands;

/// <summary>
/// The shell of the commands that run a component from a reference <c>.conf</c> (<c>tstat-proxy</c>,
/// <c>proxy</c>): the library's <see cref="ComponentConfException"/> becomes a usage error (exit 2)
/// prefixed by the command's name; the component ending, when cancelled, is success.
/// </summary>
internal static class ComponentCommand
{
    public static Task<int> RunAsync(string command, Func<Task> body) => CommandRunner.RunAsync(async () =>
    {
        try
        {
            await body().ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (ComponentConfException e)
        {
            throw new UsageException($"{command}: {e.Message}");
        }
    });
}
