using Mplane.Math.Transfer;

namespace Mplane.Math.Repo;

/// <summary>
/// A collection as math_repo keeps it (see <see cref="CollectionProtocol"/>): the scope asked for,
/// on whose behalf, who opened it, and when it was ended early. Times are UTC.
/// </summary>
/// <param name="Id">32 lower-case hex digits, random.</param>
/// <param name="Start">Files stored from then on count.</param>
/// <param name="End">Files stored from then on no longer count; null for a collection open until it is ended.</param>
/// <param name="Requester">On whose behalf (the specification's requester), for the record.</param>
/// <param name="Opener">The identity that opened it: the only one that may read or end it.</param>
/// <param name="OpenedAt">When it was opened.</param>
/// <param name="EndedAt">When it was ended (<c>DELETE</c>), or null.</param>
public sealed record Collection(
    string Id, DateTimeOffset Start, DateTimeOffset? End, string Requester, string Opener, DateTimeOffset OpenedAt, DateTimeOffset? EndedAt)
{
    /// <summary>Whether <paramref name="id"/> has the form of a collection's id (32 lower-case hex digits): nothing else is looked up.</summary>
    public static bool IsId(string? id) => id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>Where the scope stops: its end or when it was ended, whichever came first; null while it has neither.</summary>
    public DateTimeOffset? Until() => (End, EndedAt) switch
    {
        ({ } end, { } ended) => end < ended ? end : ended,
        (var end, var ended) => end ?? ended,
    };

    /// <summary>Whether a file stored at <paramref name="time"/> belongs to the collection: in [start, until).</summary>
    public bool Covers(DateTimeOffset time) => time >= Start && (Until() is not { } until || time < until);

    /// <summary>Whether the scope is over at <paramref name="now"/>.</summary>
    public bool IsOver(DateTimeOffset now) => Until() is { } until && now >= until;

    /// <summary>
    /// The report at <paramref name="now"/> from the ledger's <paramref name="entries"/>: every file
    /// stored whole (stored, handled, failed or quarantined; never a refused one) whose storing time the scope
    /// covers. A ledger line written before storing times were recorded counts by its own time,
    /// which is the storing time for a file not handled yet and at most the handler's delay after it
    /// otherwise.
    /// </summary>
    public CollectionReport Report(IEnumerable<LedgerEntry> entries, DateTimeOffset now)
    {
        var files = entries.Where(e => e.State is "stored" or "handled" or "failed" or "quarantined" && Covers(e.StoredAt ?? e.At)).ToList();
        var streams = files
            .GroupBy(e => e.Stream, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CollectedStream(g.Key, g.Count(), g.Count(e => e.State is "failed" or "quarantined"), g.Sum(e => e.Size), g.Sum(e => e.Rows ?? 0)))
            .ToList();
        return new CollectionReport(Id, Start, End, Requester, IsOver(now), files.Count(e => e.State == "stored"), streams);
    }
}
