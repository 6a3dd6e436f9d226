using System.Runtime.InteropServices;

namespace Mplane.Postgres;

/// <summary>
/// The operating-system account that owns and runs the private cluster. PostgreSQL refuses to run as
/// root, so a root process runs the server programs as the unprivileged system user
/// <see cref="ServiceUserName"/> (created on first use) through <c>runuser</c>; any other user runs
/// them directly.
/// </summary>
public sealed partial class ServerAccount
{
    /// <summary>The system user that runs the cluster when the caller is root.</summary>
    public const string ServiceUserName = "mplane-pg";

    private readonly ProcessRunner _runner;

    private ServerAccount(ProcessRunner runner, string? switchToUser)
    {
        _runner = runner;
        SwitchToUser = switchToUser;
    }

    /// <summary>The user the programs run as when it differs from the caller; null to run them directly.</summary>
    public string? SwitchToUser { get; }

    /// <summary>The account for the current process, creating the service user when root needs it.</summary>
    public static async Task<ServerAccount> ForCurrentProcessAsync(ProcessRunner runner, CancellationToken cancellationToken)
    {
        if (geteuid() != 0)
        {
            return new ServerAccount(runner, switchToUser: null);
        }

        var exists = await runner.RunAsync("id", ["-u", ServiceUserName], cancellationToken).ConfigureAwait(false);
        if (exists.ExitCode != 0)
        {
            var created = await runner.RunAsync(
                "useradd",
                ["--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", ServiceUserName],
                cancellationToken).ConfigureAwait(false);

            // Exit 9: another process created the user a moment ago.
            if (created.ExitCode is not 0 and not 9)
            {
                throw new CommandFailedException($"useradd {ServiceUserName}", created);
            }
        }

        return new ServerAccount(runner, ServiceUserName);
    }

    /// <summary>Runs a server program as this account.</summary>
    public Task<CommandResult> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        SwitchToUser is null
            ? _runner.RunAsync(program, arguments, cancellationToken)
            : _runner.RunAsync("runuser", ["-u", SwitchToUser, "--", program, .. arguments], cancellationToken);

    /// <summary>Runs a server program as this account and throws unless it exits 0.</summary>
    public async Task<CommandResult> RunCheckedAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var list = arguments.ToList();
        var result = await RunAsync(program, list, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new CommandFailedException(string.Join(' ', [program, .. list]), result);
        }

        return result;
    }

    /// <summary>Creates <paramref name="directory"/> (and parents) owned by this account, with the given mode.</summary>
    public async Task CreateOwnedDirectoryAsync(string directory, UnixFileMode mode, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        if (SwitchToUser is not null)
        {
            await _runner.RunCheckedAsync("chown", [$"{SwitchToUser}:", directory], cancellationToken).ConfigureAwait(false);
        }

        File.SetUnixFileMode(directory, mode);
    }

    /// <summary>Hands an existing file over to this account.</summary>
    public async Task GiveFileAsync(string file, CancellationToken cancellationToken)
    {
        if (SwitchToUser is not null)
        {
            await _runner.RunCheckedAsync("chown", [$"{SwitchToUser}:", file], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether this account can enter <paramref name="directory"/> (every folder above it must be searchable).</summary>
    public async Task<bool> CanEnterAsync(string directory, CancellationToken cancellationToken)
    {
        if (SwitchToUser is null)
        {
            return true;
        }

        var result = await RunAsync("test", ["-x", directory], cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0;
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial uint geteuid();
}
