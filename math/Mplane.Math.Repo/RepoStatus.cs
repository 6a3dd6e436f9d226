using Mplane.Math.Transfer;

namespace Mplane.Math.Repo;

/// <summary>One stream as math_repo sees it.</summary>
public sealed record StreamTransferStatus(string Stream, int Stored, int Handled, int Failed, long Bytes, string? LastFile, DateTimeOffset? LastAt, IReadOnlyList<string> Errors);

/// <summary>math_repo's status: streams, files waiting for the handler, running pull imports.</summary>
public sealed record RepoStatus(DateTimeOffset Time, IReadOnlyList<StreamTransferStatus> Streams, int PendingHandler, IReadOnlyList<PullImport> PullImports)
{
    /// <summary>The status now.</summary>
    public static RepoStatus Of(RepoServices services)
    {
        var streams = services.Store.Ledger.Entries
            .GroupBy(e => e.Stream)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var last = g.MaxBy(e => e.At);
                return new StreamTransferStatus(
                    g.Key, g.Count(), g.Count(e => e.State == "handled"), g.Count(e => e.State is "failed" or "quarantined"), g.Sum(e => e.Size),
                    last?.Path, last?.At, g.Where(e => e.State is "failed" or "quarantined").Select(Error).Take(20).ToList());
            })
            .ToList();
        return new RepoStatus(DateTimeOffset.UtcNow, streams, services.Queue.Pending, services.Pull.Imports);
    }

    private static string Error(LedgerEntry entry) =>
        entry.State == "quarantined" ? $"{entry.Path}: quarantined: {entry.Error}" : $"{entry.Path}: {entry.Detail}";
}
