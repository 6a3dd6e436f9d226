using Mplane.Configuration;
using Mplane.Postgres;

namespace Mplane.Cli.Commands;

/// <summary>
/// Runs a subcommand's body and turns the failures users can act on into one clear line on standard
/// error and an exit code, instead of a stack trace.
/// </summary>
internal static class CommandRunner
{
    /// <summary>Runs <paramref name="body"/>; expected failures become messages.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"mplane: configuration error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"mplane: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is PostgresNotInstalledException or ClusterException or CommandFailedException
                                      or Npgsql.NpgsqlException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"mplane: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("mplane: cancelled").ConfigureAwait(false);
            return 130;
        }
    }
}

/// <summary>A command-line argument that is well formed but unusable; the message names it.</summary>
internal sealed class UsageException(string message) : Exception(message);
