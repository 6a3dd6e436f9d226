using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Mplane.Math.Transfer;
using Newtonsoft.Json;

namespace Mplane.Math.Repo;

/// <summary>Every collection kept is still open: a new one must wait until one ends.</summary>
public sealed class CollectionsFullException(int capacity)
    : Exception($"math_repo keeps at most {capacity} collections and all of them are open; end one (DELETE) or retry later")
{
}

/// <summary>
/// The collections math_repo keeps: opened, reported from the spool's ledger, ended. They are kept
/// in memory and in a small JSON file in the spool, replaced atomically before any change is
/// answered, so a restart keeps them. At most <c>capacity</c> are kept: opening one more drops the
/// collection that ended first; when none has ended, the new one is refused.
/// </summary>
public sealed class CollectionRegistry
{
    /// <summary>Collections kept by default.</summary>
    public const int DefaultCapacity = 256;

    private readonly string _file;
    private readonly TransferLedger _ledger;
    private readonly TimeProvider _time;
    private readonly int _capacity;

    // Changes are serialised and saved before they are published: readers see a snapshot, never a
    // collection that a failed save would lose at the next restart.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile IReadOnlyDictionary<string, Collection> _collections;

    private CollectionRegistry(string file, TransferLedger ledger, TimeProvider time, int capacity, IReadOnlyDictionary<string, Collection> collections)
    {
        _file = file;
        _ledger = ledger;
        _time = time;
        _capacity = capacity;
        _collections = collections;
    }

    /// <summary>Reads the collections saved in <paramref name="file"/> (none when it does not exist; a damaged file is set aside and reported).</summary>
    public static async Task<CollectionRegistry> LoadAsync(
        string file, TransferLedger ledger, TimeProvider time, ILogger logger, CancellationToken cancellationToken, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var saved = new Dictionary<string, Collection>(StringComparer.Ordinal);
        if (File.Exists(file))
        {
            try
            {
                foreach (var collection in JsonConvert.DeserializeObject<List<Collection>>(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false)) ?? [])
                {
                    saved[Collection.IsId(collection.Id) ? collection.Id : throw new JsonSerializationException($"'{collection.Id}' is not a collection id")] = collection;
                }
            }
            catch (JsonException e)
            {
                // Refusing to start would stop the transfer for want of reports: keep the file for the operator instead.
                var aside = $"{file}.damaged-{time.GetUtcNow():yyyyMMddHHmmss}";
                File.Move(file, aside);
                logger.LogError("{File} cannot be read ({Error}); moved to {Aside}: its collections are lost", file, e.Message, aside);
                saved.Clear();
            }
        }

        return new CollectionRegistry(file, ledger, time, capacity, saved);
    }

    /// <summary>The collection <paramref name="id"/>, or null.</summary>
    public Collection? Find(string id) => _collections.GetValueOrDefault(id);

    /// <summary>Whether some collection's scope covers this moment.</summary>
    public bool AnyOpenNow()
    {
        var now = _time.GetUtcNow();
        return _collections.Values.Any(c => c.Covers(now));
    }

    /// <summary>What <paramref name="collection"/> gathered so far.</summary>
    public CollectionReport Report(Collection collection) => collection.Report(_ledger.Entries, _time.GetUtcNow());

    /// <summary>Opens a collection for [<paramref name="start"/>, <paramref name="end"/>) on behalf of <paramref name="requester"/>, opened by <paramref name="opener"/>.</summary>
    /// <exception cref="CollectionsFullException">Every collection kept is open.</exception>
    /// <exception cref="IOException">It cannot be saved; nothing changed.</exception>
    public async Task<Collection> OpenAsync(DateTimeOffset start, DateTimeOffset? end, string requester, string opener, CancellationToken cancellationToken)
    {
        if (end <= start)
        {
            throw new ArgumentException($"the end {end:O} is not after the start {start:O}", nameof(end));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var next = new Dictionary<string, Collection>(_collections, StringComparer.Ordinal);
            while (next.Count >= _capacity)
            {
                var oldest = next.Values.Where(c => c.IsOver(now)).MinBy(c => c.Until()) ?? throw new CollectionsFullException(_capacity);
                next.Remove(oldest.Id);
            }

            var collection = new Collection(
                Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), start.ToUniversalTime(), end?.ToUniversalTime(), requester, opener, now, EndedAt: null);
            next.Add(collection.Id, collection);
            await PublishAsync(next, cancellationToken).ConfigureAwait(false);
            return collection;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Ends collection <paramref name="id"/> now, unless it is over already; null when there is no such collection.</summary>
    /// <exception cref="IOException">It cannot be saved; nothing changed.</exception>
    public async Task<Collection?> EndAsync(string id, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var collection = Find(id);
            if (collection is null || collection.IsOver(now))
            {
                return collection; // ending twice changes nothing: the first end stands
            }

            var ended = collection with { EndedAt = now };
            await PublishAsync(new Dictionary<string, Collection>(_collections, StringComparer.Ordinal) { [id] = ended }, cancellationToken).ConfigureAwait(false);
            return ended;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Saves <paramref name="next"/>, then makes it the registry's state (a failed save leaves the state as it was).</summary>
    private async Task PublishAsync(Dictionary<string, Collection> next, CancellationToken cancellationToken)
    {
        var ordered = next.Values.OrderBy(c => c.OpenedAt).ThenBy(c => c.Id, StringComparer.Ordinal).ToList();
        await AtomicFile.WriteAsync(_file, JsonConvert.SerializeObject(ordered, Formatting.Indented), cancellationToken).ConfigureAwait(false);
        _collections = next;
    }
}
