using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Mplane.Math.Repo;

/// <summary>
/// A file being received: written at explicit offsets straight into the page cache (nothing buffered
/// in the process, so a cut keeps every byte received), hashed as it is written (no second pass to check the SHA-256), and flushed
/// to disk in the background every <see cref="FlushEvery"/> bytes so that the final fsync, which
/// the acknowledgement waits for, has little left to do.
/// </summary>
public sealed class PartialFile : IAsyncDisposable
{
    /// <summary>How many bytes are written between two background flushes.</summary>
    public const long FlushEvery = 16L << 20;

    private readonly SafeFileHandle _handle;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<ReadOnlyMemory<byte>> _segments = [];
    private long _unflushed;
    private Task _flushing = Task.CompletedTask;

    private PartialFile(SafeFileHandle handle, long length)
    {
        _handle = handle;
        Length = length;
    }

    /// <summary>Bytes in the file.</summary>
    public long Length { get; private set; }

    /// <summary>Opens <paramref name="path"/> to continue it (hashing what it holds) or, unless <paramref name="resume"/>, to start it afresh.</summary>
    public static async Task<PartialFile> OpenAsync(string path, bool resume, CancellationToken cancellationToken)
    {
        var handle = File.OpenHandle(path, resume ? FileMode.OpenOrCreate : FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        var file = new PartialFile(handle, 0);
        var length = RandomAccess.GetLength(handle);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            while (file.Length < length)
            {
                var read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, (int)System.Math.Min(buffer.Length, length - file.Length)), file.Length, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException($"{path} became shorter while it was read");
                }

                file._hash.AppendData(buffer, 0, read);
                file.Length += read;
            }
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return file;
    }

    /// <summary>
    /// Appends every segment of <paramref name="data"/> in one gathered write. The write is
    /// synchronous on purpose: it only copies into the page cache (the disk work happens in the
    /// background flushes), and Linux has no asynchronous file writes, so an asynchronous call would
    /// only add a thread-pool hop per chunk received.
    /// </summary>
    public void Write(ReadOnlySequence<byte> data)
    {
        _segments.Clear();
        foreach (var segment in data)
        {
            _segments.Add(segment);
        }

        RandomAccess.Write(_handle, _segments, Length);
        foreach (var segment in _segments)
        {
            Appended(segment.Span);
        }
    }

    /// <summary>Makes everything written so far durable.</summary>
    public async Task FlushAsync()
    {
        await _flushing.ConfigureAwait(false);
        RandomAccess.FlushToDisk(_handle);
        _unflushed = 0;
    }

    /// <summary>The SHA-256 of the whole content (lower-case hex), once it is durable.</summary>
    public async Task<string> SealAsync()
    {
        await FlushAsync().ConfigureAwait(false);
        return Convert.ToHexStringLower(_hash.GetCurrentHash());
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _flushing.ConfigureAwait(false);
        }
        catch (IOException)
        {
            // A failed background flush is reported by the final flush, which runs before any acknowledgement.
        }

        _handle.Dispose();
        _hash.Dispose();
    }

    private void Appended(ReadOnlySpan<byte> data)
    {
        if (_flushing.IsFaulted)
        {
            // Linux reports a writeback error to one fsync only: this one must not be lost to the next.
            _flushing.GetAwaiter().GetResult();
        }

        _hash.AppendData(data);
        Length += data.Length;
        _unflushed += data.Length;
        if (_unflushed >= FlushEvery && _flushing.IsCompleted)
        {
            _unflushed = 0;
            _flushing = Task.Run(() => RandomAccess.FlushToDisk(_handle));
        }
    }
}
