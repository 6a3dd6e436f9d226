using System.Security.Cryptography;
using System.Text;

namespace Mplane.Postgres;

/// <summary>
/// Where the files of one private cluster live. Everything is under <see cref="Directory"/>:
/// <c>data/</c> (PGDATA, owned by the server account), <c>log/postgres.log</c>,
/// <c>run/</c> (the unix socket), <c>cluster.json</c> (port and credentials, readable only by its
/// owner) and <c>.lock</c> (serialises start and stop between processes).
/// </summary>
public sealed class ClusterLayout
{
    // A unix socket path holds at most 107 bytes; ".s.PGSQL.65535" and a slash take 15 of them.
    private const int MaxSocketDirectoryLength = 90;

    /// <summary>Lays out a cluster in <paramref name="directory"/>.</summary>
    public ClusterLayout(string directory)
    {
        Directory = Path.GetFullPath(directory);
        var local = Path.Combine(Directory, "run");
        SocketDirectory = local.Length <= MaxSocketDirectoryLength ? local : ShortSocketDirectory(Directory);
    }

    /// <summary>The cluster's folder.</summary>
    public string Directory { get; }

    /// <summary>PGDATA.</summary>
    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>The folder of the server's log.</summary>
    public string LogDirectory => Path.Combine(Directory, "log");

    /// <summary>The server's log file.</summary>
    public string LogFile => Path.Combine(LogDirectory, "postgres.log");

    /// <summary>The unix-socket folder: inside the cluster's folder, or under /tmp when that path is too long for a socket.</summary>
    public string SocketDirectory { get; }

    /// <summary>Port and credentials of the cluster.</summary>
    public string CredentialsFile => Path.Combine(Directory, "cluster.json");

    /// <summary>The inter-process lock file.</summary>
    public string LockFile => Path.Combine(Directory, ".lock");

    /// <summary>The server settings this project manages, included from postgresql.conf.</summary>
    public string SettingsFile => Path.Combine(DataDirectory, "mplane.conf");

    /// <summary>Whether initdb has run here.</summary>
    public bool IsInitialised => File.Exists(Path.Combine(DataDirectory, "PG_VERSION"));

    private static string ShortSocketDirectory(string directory)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(directory)))[..12];
        return Path.Combine(Path.GetTempPath(), $"mplane-pg-{hash}");
    }
}
