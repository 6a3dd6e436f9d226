using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Mplane.Postgres;

/// <summary>
/// A private PostgreSQL cluster in a project-local folder: created with initdb on first use,
/// listening on 127.0.0.1 and on a unix socket, on a free port, run by an unprivileged account,
/// reused while running, left running for others until <see cref="StopAsync"/>.
/// </summary>
/// <remarks>
/// Authentication is scram-sha-256 on both the socket and TCP, with a random password kept in
/// <see cref="ClusterLayout.CredentialsFile"/> (mode 0600): other local users cannot connect.
/// </remarks>
public sealed class EmbeddedCluster
{
    /// <summary>The superuser role and the project database's name.</summary>
    public const string DefaultName = "mplane";

    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(2);

    private readonly ClusterLayout _layout;
    private readonly PostgresBinaries _binaries;
    private readonly ProcessRunner _runner;
    private readonly ILogger _logger;

    /// <summary>Creates the handle; nothing is touched on disk until a method is called.</summary>
    public EmbeddedCluster(ClusterLayout layout, PostgresBinaries binaries, ProcessRunner runner, ILogger<EmbeddedCluster>? logger = null)
    {
        _layout = layout;
        _binaries = binaries;
        _runner = runner;
        _logger = logger ?? NullLogger<EmbeddedCluster>.Instance;
    }

    /// <summary>The cluster's files.</summary>
    public ClusterLayout Layout => _layout;

    /// <summary>Creates the cluster if needed and starts its server unless it is running.</summary>
    public async Task<StartResult> StartAsync(CancellationToken cancellationToken)
    {
        using var fileLock = await ClusterLock.AcquireAsync(_layout.LockFile, LockTimeout, cancellationToken).ConfigureAwait(false);
        var account = await ServerAccount.ForCurrentProcessAsync(_runner, cancellationToken).ConfigureAwait(false);

        var status = await ReadStatusAsync(account, cancellationToken).ConfigureAwait(false);
        if (status.State == ClusterRunState.Running)
        {
            await EnsureDatabaseAsync(status.Connection!, cancellationToken).ConfigureAwait(false);
            return new StartResult(StartOutcome.Reused, status);
        }

        var outcome = StartOutcome.Started;
        if (status.State == ClusterRunState.NotInitialised)
        {
            await InitialiseAsync(account, cancellationToken).ConfigureAwait(false);
            outcome = StartOutcome.Created;
        }

        await StartServerAsync(account, cancellationToken).ConfigureAwait(false);
        status = await ReadStatusAsync(account, cancellationToken).ConfigureAwait(false);
        if (status.State != ClusterRunState.Running)
        {
            throw new ClusterException($"the server in {_layout.DataDirectory} reported started but is not running; see {_layout.LogFile}");
        }

        await EnsureDatabaseAsync(status.Connection!, cancellationToken).ConfigureAwait(false);
        return new StartResult(outcome, status);
    }

    /// <summary>Stops the server (fast shutdown: sessions are disconnected, nothing is lost). Returns false when it was not running.</summary>
    public async Task<bool> StopAsync(CancellationToken cancellationToken)
    {
        using var fileLock = await ClusterLock.AcquireAsync(_layout.LockFile, LockTimeout, cancellationToken).ConfigureAwait(false);
        var account = await ServerAccount.ForCurrentProcessAsync(_runner, cancellationToken).ConfigureAwait(false);
        var status = await ReadStatusAsync(account, cancellationToken).ConfigureAwait(false);
        if (status.State != ClusterRunState.Running)
        {
            return false;
        }

        _logger.LogInformation("Stopping the PostgreSQL server in {DataDirectory}", _layout.DataDirectory);
        await account.RunCheckedAsync(_binaries.PgCtl, ["stop", "-D", _layout.DataDirectory, "-m", "fast", "-w", "-t", "60"], cancellationToken)
            .ConfigureAwait(false);

        // Pooled connections to the stopped server are dead; drop them so that a restart starts clean.
        foreach (var database in new[] { status.Connection!.Database, "postgres" })
        {
            using var pooled = new NpgsqlConnection(status.Connection.ConnectionString(database));
            NpgsqlConnection.ClearPool(pooled);
        }

        return true;
    }

    /// <summary>Reports whether the cluster exists and runs, without changing anything.</summary>
    public async Task<ClusterStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        var account = await ServerAccount.ForCurrentProcessAsync(_runner, cancellationToken).ConfigureAwait(false);
        return await ReadStatusAsync(account, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ClusterStatus> ReadStatusAsync(ServerAccount account, CancellationToken cancellationToken)
    {
        if (!_layout.IsInitialised)
        {
            return new ClusterStatus(ClusterRunState.NotInitialised, _layout.Directory, null, null);
        }

        var connection = ReadConnection();

        // pg_ctl status: 0 running, 3 not running, 4 no accessible data directory.
        var result = await account.RunAsync(_binaries.PgCtl, ["status", "-D", _layout.DataDirectory], cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 0)
        {
            return new ClusterStatus(ClusterRunState.Running, _layout.Directory, ParseProcessId(result.StandardOutput), connection);
        }

        if (result.ExitCode == 3)
        {
            return new ClusterStatus(ClusterRunState.Stopped, _layout.Directory, null, connection);
        }

        throw new CommandFailedException($"pg_ctl status -D {_layout.DataDirectory}", result);
    }

    private ClusterConnection ReadConnection()
    {
        var credentials = ClusterCredentials.Read(_layout.CredentialsFile)
            ?? throw new ClusterException(
                $"{_layout.DataDirectory} holds a cluster but {_layout.CredentialsFile} is missing; " +
                $"remove {_layout.Directory} to create a new cluster");
        return new ClusterConnection(credentials.Port, _layout.SocketDirectory, credentials.User, credentials.Password, credentials.Database);
    }

    private async Task InitialiseAsync(ServerAccount account, CancellationToken cancellationToken)
    {
        await EnsureReachableAsync(account, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Creating a PostgreSQL cluster in {DataDirectory}", _layout.DataDirectory);

        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        await account.CreateOwnedDirectoryAsync(_layout.DataDirectory, OwnerOnly, cancellationToken).ConfigureAwait(false);
        await account.CreateOwnedDirectoryAsync(_layout.LogDirectory, OwnerOnly, cancellationToken).ConfigureAwait(false);

        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var passwordFile = Path.Combine(_layout.LogDirectory, ".initdb-password");
        await File.WriteAllTextAsync(passwordFile, password + "\n", cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            await account.GiveFileAsync(passwordFile, cancellationToken).ConfigureAwait(false);
            await account.RunCheckedAsync(
                _binaries.InitDb,
                [
                    "-D", _layout.DataDirectory, "-U", DefaultName, "--pwfile", passwordFile,
                    "--auth-local", "scram-sha-256", "--auth-host", "scram-sha-256",
                    "--encoding", "UTF8", "--no-locale", "--no-instructions",
                ],
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(passwordFile);
        }

        await File.AppendAllTextAsync(
            Path.Combine(_layout.DataDirectory, "postgresql.conf"),
            "\n# Settings managed by the mPlane repository (port, listeners, socket).\ninclude 'mplane.conf'\n",
            cancellationToken).ConfigureAwait(false);
        new ClusterCredentials(FreePort.Pick(), DefaultName, password, DefaultName).Write(_layout.CredentialsFile);
    }

    private async Task EnsureReachableAsync(ServerAccount account, CancellationToken cancellationToken)
    {
        var existing = new DirectoryInfo(_layout.Directory);
        while (existing is not null && !existing.Exists)
        {
            existing = existing.Parent;
        }

        if (existing is not null && !await account.CanEnterAsync(existing.FullName, cancellationToken).ConfigureAwait(false))
        {
            throw new ClusterException(
                $"the server account '{account.SwitchToUser}' cannot enter {existing.FullName}: every folder above the cluster " +
                "must be searchable by it. Set MPLANE_DATA to a folder it can reach (for example under /var/tmp).");
        }
    }

    private async Task StartServerAsync(ServerAccount account, CancellationToken cancellationToken)
    {
        var credentials = ClusterCredentials.Read(_layout.CredentialsFile)!;
        const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                        UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        await account.CreateOwnedDirectoryAsync(_layout.SocketDirectory, SocketMode, cancellationToken).ConfigureAwait(false);

        // Keep the port across restarts so that clients' settings stay valid; move only when it was taken meanwhile.
        for (var attempt = 1; ; attempt++)
        {
            if (!FreePort.IsFree(credentials.Port))
            {
                credentials = credentials with { Port = FreePort.Pick() };
                credentials.Write(_layout.CredentialsFile);
            }

            await WriteSettingsAsync(account, credentials.Port, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Starting the PostgreSQL server on 127.0.0.1:{Port}", credentials.Port);
            var result = await account.RunAsync(
                _binaries.PgCtl,
                ["start", "-D", _layout.DataDirectory, "-l", _layout.LogFile, "-w", "-t", "60"],
                cancellationToken).ConfigureAwait(false);
            if (result.ExitCode == 0)
            {
                return;
            }

            // Another program may have bound the port between the check and the start: try once more elsewhere.
            if (attempt == 2 || FreePort.IsFree(credentials.Port))
            {
                throw new ClusterException($"pg_ctl could not start the server: {result.StandardError.Trim()} {LogTail()}");
            }
        }
    }

    private async Task WriteSettingsAsync(ServerAccount account, int port, CancellationToken cancellationToken)
    {
        var settings = string.Join('\n',
            $"port = {port.ToString(CultureInfo.InvariantCulture)}",
            "listen_addresses = '127.0.0.1'",
            $"unix_socket_directories = '{_layout.SocketDirectory.Replace("'", "''", StringComparison.Ordinal)}'",
            "unix_socket_permissions = 0777",
            // A private single-node cluster needs no WAL for replicas; with minimal WAL, PostgreSQL skips
            // logging a COPY into a table created in the same transaction (each new partition), which
            // roughly halves the import's server work. Commits stay durable.
            "wal_level = minimal",
            "max_wal_senders = 0",
            "");
        await File.WriteAllTextAsync(_layout.SettingsFile, settings, cancellationToken).ConfigureAwait(false);
        await account.GiveFileAsync(_layout.SettingsFile, cancellationToken).ConfigureAwait(false);
    }

    private static async Task EnsureDatabaseAsync(ClusterConnection connection, CancellationToken cancellationToken)
    {
        var settings = new NpgsqlConnectionStringBuilder(connection.ConnectionString("postgres")) { Pooling = false };
        await using var admin = new NpgsqlConnection(settings.ConnectionString);
        await admin.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", admin)
        {
            Parameters = { new() { Value = connection.Database } },
        };
        if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            // The name is our own constant or comes from our credentials file; quote it all the same.
            var quoted = "\"" + connection.Database.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", admin);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static int? ParseProcessId(string pgCtlOutput)
    {
        // "pg_ctl: server is running (PID: 12345)"
        var start = pgCtlOutput.IndexOf("PID: ", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var digits = new string(pgCtlOutput[(start + 5)..].TakeWhile(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private string LogTail()
    {
        try
        {
            var lines = File.ReadAllLines(_layout.LogFile);
            return "Last lines of " + _layout.LogFile + ":\n" + string.Join('\n', lines.TakeLast(10));
        }
        catch (IOException)
        {
            return $"(no log at {_layout.LogFile})";
        }
    }
}

/// <summary>The private cluster is in a state this program cannot resolve on its own.</summary>
public sealed class ClusterException(string message) : Exception(message);
