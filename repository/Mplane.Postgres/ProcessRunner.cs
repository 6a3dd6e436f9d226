using System.Diagnostics;
using System.Text;

namespace Mplane.Postgres;

/// <summary>The outcome of a finished command.</summary>
/// <param name="ExitCode">The process's exit code.</param>
/// <param name="StandardOutput">Everything it wrote to standard output.</param>
/// <param name="StandardError">Everything it wrote to standard error.</param>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>A command that exited with a code its caller did not accept.</summary>
public sealed class CommandFailedException(string commandLine, CommandResult result)
    : Exception($"'{commandLine}' exited with code {result.ExitCode}: {Summarise(result)}")
{
    /// <summary>The command as it was run.</summary>
    public string CommandLine { get; } = commandLine;

    /// <summary>What it printed and returned.</summary>
    public CommandResult Result { get; } = result;

    private static string Summarise(CommandResult result)
    {
        var text = (result.StandardError.Trim().Length > 0 ? result.StandardError : result.StandardOutput).Trim();
        return text.Length == 0 ? "(no output)" : text;
    }
}

/// <summary>
/// Runs external programs with arguments passed as a list (never through a shell), standard input
/// closed, both output streams captured, and the process killed when the caller cancels.
/// </summary>
public sealed class ProcessRunner
{
    /// <summary>Runs <paramref name="program"/> and returns its result whatever the exit code.</summary>
    public async Task<CommandResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CommandFailedException(Describe(startInfo), new CommandResult(-1, string.Empty, e.Message));
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new CommandResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }

    /// <summary>Runs <paramref name="program"/> and throws <see cref="CommandFailedException"/> unless it exits 0.</summary>
    public async Task<CommandResult> RunCheckedAsync(
        string program,
        IEnumerable<string> arguments,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var list = arguments.ToList();
        var result = await RunAsync(program, list, cancellationToken, environment).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new CommandFailedException(Describe(program, list), result);
        }

        return result;
    }

    private static string Describe(ProcessStartInfo startInfo) => Describe(startInfo.FileName, startInfo.ArgumentList);

    private static string Describe(string program, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { program }.Concat(arguments.Select(a => a.Contains(' ') ? $"\"{a}\"" : a)));
}
