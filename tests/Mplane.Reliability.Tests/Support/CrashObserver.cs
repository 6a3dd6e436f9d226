using Mplane.Reliability.Tests.Sites;

namespace Mplane.Reliability.Tests.Crash;

/// <summary>What the repository may be doing when it is killed.</summary>
internal enum CrashPhase
{
    /// <summary>math_repo receiving a file (an upload writing its partial file).</summary>
    Transfer,

    /// <summary>The warehouse handler's COPY of a file in progress.</summary>
    Import,

    /// <summary>A job window's transaction open (it holds the job's advisory lock).</summary>
    Job,
}

/// <summary>
/// Sees which <see cref="CrashPhase"/>s run at a moment, from outside the repository: a partial upload
/// in math_repo's spool written in the last instants, the database's COPY progress, and the job
/// advisory locks held in the site's database.
/// </summary>
internal sealed class CrashObserver(RepositorySite site)
{
    /// <summary>A partial upload written this recently is an upload in progress (one left by a kill is not).</summary>
    private static readonly TimeSpan Fresh = TimeSpan.FromMilliseconds(150);

    // Advisory locks of ours other than the jobs' (analysis, the catalogue's migration) share this high half: "mpla".
    private const string Activity = """
        SELECT
            EXISTS (SELECT 1 FROM pg_stat_progress_copy WHERE datname = current_database()),
            EXISTS (SELECT 1 FROM pg_locks
                    WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND classid <> 1836084321::oid
                      AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))
        """;

    /// <summary>The phases running now.</summary>
    public async Task<IReadOnlySet<CrashPhase>> ActiveAsync(CancellationToken cancellationToken)
    {
        var active = new HashSet<CrashPhase>();
        if (Transferring())
        {
            active.Add(CrashPhase.Transfer);
        }

        await using var command = site.DataSource.CreateCommand(Activity);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (reader.GetBoolean(0))
        {
            active.Add(CrashPhase.Import);
        }

        if (reader.GetBoolean(1))
        {
            active.Add(CrashPhase.Job);
        }

        return active;
    }

    /// <summary>Polls (every few milliseconds) until <paramref name="phase"/> runs; false when it did not within <paramref name="bound"/>.</summary>
    public async Task<bool> WaitForAsync(CrashPhase phase, TimeSpan bound, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + bound;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (phase == CrashPhase.Transfer ? Transferring() : (await ActiveAsync(cancellationToken).ConfigureAwait(false)).Contains(phase))
            {
                return true;
            }

            await Task.Delay(phase == CrashPhase.Transfer ? 2 : 5, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    private bool Transferring()
    {
        var folder = Path.Combine(site.Paths.Spool, ".partial", SiteConfiguration.Stream);
        try
        {
            var recent = DateTime.UtcNow - Fresh;
            return Directory.Exists(folder) && new DirectoryInfo(folder).EnumerateFiles("*.part").Any(f => f.LastWriteTimeUtc > recent);
        }
        catch (IOException)
        {
            return false; // renamed or deleted while listed: it finished
        }
    }
}
