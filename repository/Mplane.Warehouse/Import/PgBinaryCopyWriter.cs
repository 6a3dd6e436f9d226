using System.Buffers.Binary;
using Mplane.LogFormats.Values;

namespace Mplane.Warehouse.Import;

/// <summary>
/// Writes PostgreSQL's binary COPY format (the signature, then per row a field count and
/// length-prefixed big-endian values, then the trailer) straight from parsed values into a buffer
/// that is sent in large blocks: no object per value, no string per text field.
/// </summary>
/// <remarks>
/// Used over <c>NpgsqlConnection.BeginRawBinaryCopyAsync</c>. Encodings follow the server's send/recv
/// functions: int4, int8, float8, bool, timestamptz (microseconds since 2000-01-01 UTC), inet
/// (family, bits, is_cidr, length, address bytes) and text (UTF-8 bytes).
/// </remarks>
internal sealed class PgBinaryCopyWriter(Stream output)
{
    private const int FlushThreshold = 1 << 18;
    // "PGCOPY\n\377\r\n\0": raw bytes, not a UTF-8 string (0xFF is no character).
    private static ReadOnlySpan<byte> Signature => [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00];

    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private byte[] _buffer = new byte[FlushThreshold + (1 << 16)];
    private int _length;

    /// <summary>Writes the file signature and header.</summary>
    public void WriteHeader()
    {
        Signature.CopyTo(Reserve(Signature.Length));
        BinaryPrimitives.WriteInt32BigEndian(Reserve(4), 0); // flags
        BinaryPrimitives.WriteInt32BigEndian(Reserve(4), 0); // header extension length
    }

    /// <summary>Starts a row of <paramref name="fields"/> values.</summary>
    public void StartRow(int fields) => BinaryPrimitives.WriteInt16BigEndian(Reserve(2), (short)fields);

    public void WriteNull() => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), -1);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Value(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Value(8), value);

    public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleBigEndian(Value(8), value);

    public void WriteBoolean(bool value) => Value(1)[0] = value ? (byte)1 : (byte)0;

    /// <summary>A UTC instant given as .NET ticks, rounded to the microsecond as PostgreSQL rounds text input.</summary>
    public void WriteTimestamp(long utcTicks)
    {
        var ticks = utcTicks - PostgresEpochTicks;
        WriteInt64(ticks >= 0 ? (ticks + 5) / 10 : (ticks - 5) / 10);
    }

    public void WriteInet(IpAddressValue address)
    {
        var length = address.IsV6 ? 16 : 4;
        var span = Value(4 + length);
        span[0] = address.IsV6 ? (byte)3 : (byte)2; // PGSQL_AF_INET6 / PGSQL_AF_INET
        span[1] = (byte)(length * 8);
        span[2] = 0; // not cidr
        span[3] = (byte)length;
        var bits = address.Bits;
        for (var i = length - 1; i >= 0; i--)
        {
            span[4 + i] = (byte)bits;
            bits >>= 8;
        }
    }

    /// <summary>Text as UTF-8 bytes (the caller has checked they are valid UTF-8 without NUL).</summary>
    public void WriteText(ReadOnlySpan<byte> utf8)
    {
        utf8.CopyTo(Value(utf8.Length));
    }

    /// <summary>Whether enough is buffered to send a block.</summary>
    public bool ShouldFlush => _length >= FlushThreshold;

    /// <summary>Sends the buffered bytes.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        await output.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
        _length = 0;
    }

    /// <summary>Writes the trailer and sends everything.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        BinaryPrimitives.WriteInt16BigEndian(Reserve(2), -1);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reserves a value of <paramref name="length"/> bytes behind its length prefix.</summary>
    private Span<byte> Value(int length)
    {
        var span = Reserve(4 + length);
        BinaryPrimitives.WriteInt32BigEndian(span, length);
        return span[4..];
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            // A single huge text value: grow rather than fail; the next flush empties the buffer.
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
