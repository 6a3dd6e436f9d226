using Mplane.Configuration;

namespace Mplane.Postgres;

/// <summary>
/// The folder of the PostgreSQL server programs (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>).
/// Found through <c>MPLANE_PG_BIN</c>, else <c>initdb</c> on the PATH, else the newest
/// <c>/usr/lib/postgresql/N/bin</c> of Debian's packages (which does not put them on the PATH).
/// </summary>
public sealed class PostgresBinaries
{
    private const string DebianRoot = "/usr/lib/postgresql";

    private PostgresBinaries(string directory) => Directory = directory;

    /// <summary>The folder holding the server programs.</summary>
    public string Directory { get; }

    /// <summary>The full path of <c>initdb</c>.</summary>
    public string InitDb => Path.Combine(Directory, "initdb");

    /// <summary>The full path of <c>pg_ctl</c>.</summary>
    public string PgCtl => Path.Combine(Directory, "pg_ctl");

    /// <summary>Locates the binaries or explains how to install them.</summary>
    public static PostgresBinaries Locate(IEnvironment? environment = null)
    {
        environment ??= ProcessEnvironment.Instance;
        var configured = environment.Get("MPLANE_PG_BIN");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            if (!File.Exists(Path.Combine(configured, "initdb")))
            {
                throw new PostgresNotInstalledException($"MPLANE_PG_BIN={configured} holds no initdb.");
            }

            return new PostgresBinaries(configured);
        }

        foreach (var dir in (environment.Get("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = new FileInfo(Path.Combine(dir, "initdb"));
            if (candidate.Exists)
            {
                // Debian links /usr/local/bin/initdb to /usr/lib/postgresql/N/bin/initdb; pg_ctl must come from the same folder.
                var target = candidate.ResolveLinkTarget(returnFinalTarget: true) ?? candidate;
                return new PostgresBinaries(Path.GetDirectoryName(target.FullName)!);
            }
        }

        if (System.IO.Directory.Exists(DebianRoot))
        {
            var newest = System.IO.Directory.GetDirectories(DebianRoot)
                .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
                .Where(d => d.Version > 0 && File.Exists(Path.Combine(d.Dir, "bin", "initdb")))
                .OrderByDescending(d => d.Version)
                .FirstOrDefault();
            if (newest.Dir is not null)
            {
                return new PostgresBinaries(Path.Combine(newest.Dir, "bin"));
            }
        }

        throw new PostgresNotInstalledException(
            "no PostgreSQL server programs (initdb) found on PATH or under /usr/lib/postgresql.");
    }
}

/// <summary>The PostgreSQL server programs are missing.</summary>
public sealed class PostgresNotInstalledException(string problem)
    : Exception($"{problem} Install them with 'apt-get install postgresql-15' (scripts/test does this), " +
                "set MPLANE_PG_BIN to their folder, or set MPLANE_PG to the connection string of an existing server.");
