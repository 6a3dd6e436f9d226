using Newtonsoft.Json;

namespace Mplane.Math.Transfer;

/// <summary>One file in a <see cref="TransferLedger"/>.</summary>
/// <param name="Stream">Its stream.</param>
/// <param name="Path">Its path relative to the stream's directory.</param>
/// <param name="Size">Its length in bytes.</param>
/// <param name="Sha256">Its SHA-256, lower-case hex.</param>
/// <param name="State">What happened to it last (for example <c>acknowledged</c>, <c>stored</c>, <c>handled</c>, <c>failed</c>, <c>quarantined</c>).</param>
/// <param name="At">When.</param>
/// <param name="Detail">What went wrong, for a failed state; the stream's type, for a stored file.</param>
/// <param name="StoredAt">
/// When the repository stored the file whole; kept when the entry is recorded again (handled,
/// failed), which sets <paramref name="At"/>. Absent in ledgers written before it was recorded and
/// on the probe's side.
/// </param>
/// <param name="Peer">The identity that sent the file (the repository's side only).</param>
/// <param name="Rows">Rows the handler imported from the file (null before it is handled, or when the handler imports none).</param>
/// <param name="Error">Why the handler refused a <c>quarantined</c> file (its type stays in <paramref name="Detail"/>, for when it is handled again).</param>
public sealed record LedgerEntry(
    string Stream,
    string Path,
    long Size,
    string Sha256,
    string State,
    DateTimeOffset At,
    string? Detail = null,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] DateTimeOffset? StoredAt = null,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] string? Peer = null,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] long? Rows = null,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] string? Error = null);

/// <summary>
/// A durable record of transferred files: one JSON line per event, appended and flushed to disk
/// (fsync) before <see cref="RecordAsync"/> returns, so that whatever it reports survives a crash.
/// The probe records what the repository acknowledged; the repository what it stored and handled.
/// A torn last line (a crash mid-write) is cut off on load; a failed write is undone.
/// </summary>
public sealed class TransferLedger : IAsyncDisposable
{
    private readonly Dictionary<(string, string), LedgerEntry> _entries = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly FileStream _file;

    private TransferLedger(string path, FileStream file)
    {
        Path = path;
        _file = file;
    }

    /// <summary>The ledger's file.</summary>
    public string Path { get; }

    /// <summary>Lines that could not be read when the ledger was opened (a damaged line is skipped, never the rest).</summary>
    public IReadOnlyList<string> Damaged { get; private set; } = [];

    /// <summary>Opens (or creates) the ledger at <paramref name="path"/> and reads what it holds.</summary>
    public static async Task<TransferLedger> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var full = System.IO.Path.GetFullPath(path);
        DirectorySync.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var created = !File.Exists(full);
        var file = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 0, FileOptions.Asynchronous); // unbuffered: a failed write leaves nothing behind to undo
        if (created)
        {
            DirectorySync.Flush(System.IO.Path.GetDirectoryName(full)!);
        }

        var ledger = new TransferLedger(path, file);
        var content = new byte[file.Length];
        await file.ReadExactlyAsync(content, cancellationToken).ConfigureAwait(false);

        // A crash mid-append leaves a last line without its newline: that one is cut off. A damaged
        // line elsewhere (a failed write followed by good ones) is skipped and reported.
        var complete = content.AsSpan().LastIndexOf((byte)'\n') + 1;
        var damaged = new List<string>();
        foreach (var line in System.Text.Encoding.UTF8.GetString(content, 0, complete).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            LedgerEntry? entry = null;
            try
            {
                entry = JsonConvert.DeserializeObject<LedgerEntry>(line);
            }
            catch (JsonException)
            {
            }

            if (entry is null)
            {
                damaged.Add(line);
                continue;
            }

            ledger._entries[(entry.Stream, entry.Path)] = entry;
        }

        ledger.Damaged = damaged;
        file.SetLength(complete);
        file.Position = complete;
        return ledger;
    }

    /// <summary>The last entry for a file, or null.</summary>
    public LedgerEntry? Find(string stream, string path)
    {
        lock (_entries)
        {
            return _entries.GetValueOrDefault((stream, path));
        }
    }

    /// <summary>Every file's last entry.</summary>
    public IReadOnlyList<LedgerEntry> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries.Values];
            }
        }
    }

    /// <summary>Appends <paramref name="entry"/> and makes it durable.</summary>
    public async Task RecordAsync(LedgerEntry entry, CancellationToken cancellationToken)
    {
        var line = System.Text.Encoding.UTF8.GetBytes(JsonConvert.SerializeObject(entry, Formatting.None) + "\n");
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var length = _file.Length;
        try
        {
            try
            {
                await _file.WriteAsync(line, CancellationToken.None).ConfigureAwait(false);
                _file.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                // Nothing half written stays behind a failed write (a full disk): later records must stay readable.
                _file.SetLength(length);
                _file.Position = length;
                throw;
            }

            lock (_entries)
            {
                _entries[(entry.Stream, entry.Path)] = entry;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
