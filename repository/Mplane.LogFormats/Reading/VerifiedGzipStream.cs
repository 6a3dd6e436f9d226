using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Mplane.LogFormats.Reading;

/// <summary>
/// gzip decompression that notices a truncated or corrupt file. The framework's GZipStream returns
/// the data it could inflate and then a clean end of stream, even when the file was cut short; this
/// stream checks the CRC-32 and length of everything it returned against the file's trailer (its
/// last eight bytes) and throws <see cref="InvalidDataException"/> when they differ.
/// </summary>
/// <remarks>
/// The check covers single-member files, which is what gzip and Tstat write. A file of several
/// concatenated members fails the check and is reported as such; recompress it as one member.
/// </remarks>
internal sealed class VerifiedGzipStream : ReadOnlyStream
{
    private readonly TailKeepingStream _compressed;
    private readonly GZipStream _inflater;
    private readonly Crc32 _crc = new();
    private long _length;
    private bool _verified;

    public VerifiedGzipStream(Stream compressed)
    {
        _compressed = new TailKeepingStream(compressed, 8);
        _inflater = new GZipStream(_compressed, CompressionMode.Decompress);
    }

    public override int Read(Span<byte> buffer) => Account(buffer, _inflater.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inflater.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span, read);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inflater.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Account(ReadOnlySpan<byte> buffer, int read)
    {
        if (read > 0)
        {
            _crc.Append(buffer[..read]);
            _length += read;
        }
        else if (!_verified && buffer.Length > 0)
        {
            Verify();
            _verified = true;
        }

        return read;
    }

    private void Verify()
    {
        var tail = _compressed.Tail;
        var expectedCrc = tail.Length == 8 ? BinaryPrimitives.ReadUInt32LittleEndian(tail) : 0;
        var expectedLength = tail.Length == 8 ? BinaryPrimitives.ReadUInt32LittleEndian(tail[4..]) : 0;
        var actualCrc = _crc.GetCurrentHashAsUInt32();
        if (tail.Length != 8 || expectedCrc != actualCrc || expectedLength != (uint)_length)
        {
            throw new InvalidDataException(
                $"gzip data ends early or is corrupt: the trailer announces {expectedLength} bytes with CRC-32 {expectedCrc:x8}, " +
                $"{_length} bytes with CRC-32 {actualCrc:x8} were read (a file of concatenated gzip members also fails this check)");
        }
    }

    /// <summary>Passes reads through and remembers the last bytes seen: at the end, the gzip trailer.</summary>
    private sealed class TailKeepingStream(Stream inner, int size) : ReadOnlyStream
    {
        private readonly byte[] _tail = new byte[size];
        private int _filled;

        public ReadOnlySpan<byte> Tail => _tail.AsSpan(0, _filled);

        public override int Read(Span<byte> buffer) => Remember(buffer[..inner.Read(buffer)]);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            return Remember(buffer.Span[..read]);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Remember(ReadOnlySpan<byte> read)
        {
            if (read.Length >= _tail.Length)
            {
                read[^_tail.Length..].CopyTo(_tail);
                _filled = _tail.Length;
            }
            else if (read.Length > 0)
            {
                var keep = Math.Min(_filled, _tail.Length - read.Length);
                _tail.AsSpan(_filled - keep, keep).CopyTo(_tail);
                read.CopyTo(_tail.AsSpan(keep));
                _filled = keep + read.Length;
            }

            return read.Length;
        }
    }
}
