using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Mplane.Math.Transfer;

namespace Mplane.Math.Repo;

/// <summary>How much of a file the repository holds.</summary>
/// <param name="Offset">Bytes held (the whole size when complete).</param>
/// <param name="Stored">The ledger's entry when the file is stored whole.</param>
public sealed record UploadState(long Offset, LedgerEntry? Stored);

/// <summary>The outcome of appending to an upload.</summary>
public enum AppendOutcome
{
    /// <summary>The file is complete, checked, stored durably and recorded.</summary>
    Stored,

    /// <summary>The body ended before the file did; the bytes received are kept.</summary>
    Partial,

    /// <summary>The file was complete with the same content already.</summary>
    AlreadyStored,
}

/// <summary>A refused upload: the HTTP status and the reason.</summary>
public sealed class UploadRefusedException(int status, string message, long? offset = null) : Exception(message)
{
    /// <summary>The HTTP status to answer.</summary>
    public int Status { get; } = status;

    /// <summary>The offset the repository holds, when it matters to the peer.</summary>
    public long? Offset { get; } = offset;
}

/// <summary>
/// The spool: files under <c>&lt;spool&gt;/&lt;stream&gt;/&lt;path&gt;</c>, uploads in progress under
/// <c>.partial</c>. A file becomes visible (renamed into place, directory flushed) and is recorded in
/// the ledger only once it is whole, its SHA-256 checked and its bytes on disk: only then is it
/// acknowledged. One upload per file at a time.
/// </summary>
public sealed class SpoolStore(string spool, long maxFileBytes, TransferLedger ledger, RepoMetrics? metrics = null)
{
    /// <summary>Unfinished uploads kept per stream; more are refused until some finish or expire.</summary>
    public const int MaxPartialUploadsPerStream = 64;

    private readonly ConcurrentDictionary<(string, string), byte> _busy = new();

    /// <summary>The ledger of stored and handled files.</summary>
    public TransferLedger Ledger { get; } = ledger;

    /// <summary>
    /// Files the handler refused for their content: <c>&lt;spool&gt;/.quarantine/&lt;stream&gt;/&lt;path&gt;</c>
    /// (a dot, as <c>.partial</c>: no stream name starts with one, so a stream named <c>quarantine</c> cannot collide).
    /// </summary>
    public Quarantine Quarantine { get; } = new(Path.Combine(spool, ".quarantine"));

    /// <summary>Where a stream's file is stored.</summary>
    public string FinalPath(string stream, string path) => TransferNames.Under(Path.Combine(spool, TransferNames.Stream(stream)), path);

    /// <summary>What the repository holds of a file.</summary>
    public UploadState State(string stream, string path)
    {
        if (Ledger.Find(stream, path) is { State: not "partial" } stored)
        {
            return new UploadState(stored.Size, stored);
        }

        var partial = new FileInfo(PartialPath(stream, path));
        return new UploadState(partial.Exists ? partial.Length : 0, null);
    }

    /// <summary>
    /// Appends <paramref name="body"/> (the file's bytes from <paramref name="offset"/>) to the upload of
    /// a file of <paramref name="length"/> bytes and SHA-256 <paramref name="sha256"/>, completing it
    /// when the last byte arrives; <paramref name="peer"/> is the identity sending it, for the ledger.
    /// </summary>
    /// <exception cref="UploadRefusedException">The request contradicts what is held, or the content does not match.</exception>
    public async Task<(AppendOutcome Outcome, long Offset, LedgerEntry? Stored)> AppendAsync(
        string stream, string path, string streamType, string peer, long offset, long length, string sha256, PipeReader body, CancellationToken cancellationToken)
    {
        if (length < 0 || length > maxFileBytes)
        {
            throw new UploadRefusedException(413, $"{stream}/{path}: {length} bytes is over the limit of {maxFileBytes} bytes");
        }

        if (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit))
        {
            throw new UploadRefusedException(400, $"{PushProtocol.Sha256Header} must be 64 hex digits");
        }

        sha256 = sha256.ToLowerInvariant();
        using var busy = Claim(stream, path);
        var state = State(stream, path);
        if (state.Stored is { } stored)
        {
            return stored.Sha256 == sha256 && stored.Size == length
                ? (AppendOutcome.AlreadyStored, length, stored)
                : throw new UploadRefusedException(409, $"{stream}/{path}: a different file was stored under this name (SHA-256 {stored.Sha256}, this one {sha256})", stored.Size);
        }

        var partialPath = PartialPath(stream, path);
        if (state.Offset > length)
        {
            // A stale upload under this name holds more than the file has: start again.
            File.Delete(partialPath);
            throw new UploadRefusedException(409, $"{stream}/{path}: an older, longer upload of this name was discarded; start again at byte 0", 0);
        }

        if (offset != state.Offset)
        {
            throw new UploadRefusedException(409, $"{stream}/{path}: the upload continues at byte {state.Offset}, not {offset}", state.Offset);
        }

        if (offset == 0 && !File.Exists(partialPath))
        {
            LimitPartials(stream);
        }

        DirectorySync.CreateDirectory(Path.GetDirectoryName(partialPath)!);
        string actual;
        await using (var partial = await PartialFile.OpenAsync(partialPath, resume: true, cancellationToken).ConfigureAwait(false))
        {
            bool overflow;
            try
            {
                overflow = await CopyAtMostAsync(body, partial, length - offset, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Whatever arrived before a cut is kept, on disk: the peer resumes from it.
                await partial.FlushAsync().ConfigureAwait(false);
                metrics?.Received(stream, partial.Length - offset);
            }

            if (overflow)
            {
                File.Delete(partialPath);
                throw new UploadRefusedException(400, $"{stream}/{path}: the body is longer than {PushProtocol.LengthHeader} ({length}); the upload was discarded", 0);
            }

            if (partial.Length < length)
            {
                return (AppendOutcome.Partial, partial.Length, null);
            }

            actual = await partial.SealAsync().ConfigureAwait(false);
        }

        var entry = await CompleteAsync(stream, path, streamType, peer, partialPath, length, actual, expectedSha256: sha256, cancellationToken).ConfigureAwait(false);
        return (AppendOutcome.Stored, length, entry);
    }

    /// <summary>Stores a file whose whole content is in <paramref name="source"/> (a pull download from <paramref name="peer"/>, the registrant's identity).</summary>
    public async Task<LedgerEntry> StoreAsync(string stream, string path, string streamType, string peer, PipeReader source, long? expectedLength, CancellationToken cancellationToken)
    {
        if (expectedLength > maxFileBytes)
        {
            throw new UploadRefusedException(413, $"{stream}/{path}: {expectedLength} bytes is over the limit of {maxFileBytes} bytes");
        }

        using var busy = Claim(stream, path);
        if (Ledger.Find(stream, path) is { } already)
        {
            return already; // stored meanwhile (a push, or another poll)
        }

        var partialPath = PartialPath(stream, path);
        DirectorySync.CreateDirectory(Path.GetDirectoryName(partialPath)!);
        long length;
        string sha256;
        await using (var partial = await PartialFile.OpenAsync(partialPath, resume: false, cancellationToken).ConfigureAwait(false))
        {
            var overflow = await CopyAtMostAsync(source, partial, maxFileBytes, cancellationToken).ConfigureAwait(false);
            metrics?.Received(stream, partial.Length);
            if (overflow)
            {
                File.Delete(partialPath);
                throw new UploadRefusedException(413, $"{stream}/{path}: over the limit of {maxFileBytes} bytes");
            }

            length = partial.Length;
            sha256 = await partial.SealAsync().ConfigureAwait(false);
        }

        if (expectedLength is { } expected && expected != length)
        {
            File.Delete(partialPath);
            throw new UploadRefusedException(502, $"{stream}/{path}: {length} bytes received, {expected} announced");
        }

        return await CompleteAsync(stream, path, streamType, peer, partialPath, length, sha256, expectedSha256: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes unfinished uploads untouched for longer than <paramref name="age"/>; returns how many.</summary>
    public int ExpirePartials(TimeSpan age)
    {
        var root = Path.Combine(spool, ".partial");
        if (!Directory.Exists(root))
        {
            return 0;
        }

        var expired = 0;
        foreach (var file in Directory.EnumerateFiles(root, "*.part", SearchOption.AllDirectories))
        {
            if (File.GetLastWriteTimeUtc(file) < DateTime.UtcNow - age)
            {
                File.Delete(file);
                expired++;
            }
        }

        return expired;
    }

    /// <summary>One transfer per file at a time: a second is refused while the first runs.</summary>
    private Claimed Claim(string stream, string path) =>
        _busy.TryAdd((stream, path), 0)
            ? new Claimed(() => _busy.TryRemove((stream, path), out _))
            : throw new UploadRefusedException(409, $"{stream}/{path}: another transfer of this file is in progress", State(stream, path).Offset);

    private void LimitPartials(string stream)
    {
        var directory = Path.GetDirectoryName(PartialPath(stream, "x"))!;
        if (Directory.Exists(directory) && Directory.EnumerateFiles(directory, "*.part").Take(MaxPartialUploadsPerStream).Count() == MaxPartialUploadsPerStream)
        {
            throw new UploadRefusedException(429, $"stream {stream} has {MaxPartialUploadsPerStream} unfinished uploads; finish them first");
        }
    }

    private string PartialPath(string stream, string path) =>
        Path.Combine(spool, ".partial", TransferNames.Stream(stream), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(TransferNames.RelativePath(path)))) + ".part");

    /// <summary>Moves a whole, checked and flushed partial file into place, flushes its directory and records it.</summary>
    private async Task<LedgerEntry> CompleteAsync(
        string stream, string path, string streamType, string peer, string partialPath, long length, string sha256, string? expectedSha256, CancellationToken cancellationToken)
    {
        if (expectedSha256 is not null && sha256 != expectedSha256)
        {
            File.Delete(partialPath);
            throw new UploadRefusedException(422, $"{stream}/{path}: the content's SHA-256 is {sha256}, not {expectedSha256}; the upload was discarded", 0);
        }

        var final = FinalPath(stream, path);
        var directory = Path.GetDirectoryName(final)!;
        DirectorySync.CreateDirectory(directory);
        File.Move(partialPath, final, overwrite: true);
        DirectorySync.Flush(directory);
        var now = DateTimeOffset.UtcNow;
        var entry = new LedgerEntry(stream, path, length, sha256, "stored", now, streamType, StoredAt: now, Peer: peer);
        await Ledger.RecordAsync(entry, cancellationToken).ConfigureAwait(false);
        metrics?.Stored(stream);
        return entry;
    }

    /// <summary>Copies at most <paramref name="limit"/> bytes; true when the source holds more (refused).</summary>
    private static async Task<bool> CopyAtMostAsync(PipeReader source, PartialFile target, long limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var left = limit;
        while (true)
        {
            var result = await source.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var take = System.Math.Min(buffer.Length, left);
            if (take > 0)
            {
                target.Write(buffer.Slice(0, take));
                left -= take;
            }

            if (buffer.Length > take)
            {
                source.AdvanceTo(buffer.GetPosition(take));
                return true;
            }

            source.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                return false;
            }
        }
    }
}

/// <summary>Releases a claim when disposed.</summary>
internal sealed class Claimed(Action release) : IDisposable
{
    public void Dispose() => release();
}
