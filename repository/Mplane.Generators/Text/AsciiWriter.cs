using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Mplane.Generators.Text;

/// <summary>
/// A buffered writer of ASCII text to a stream, formatting numbers straight into its buffer so that
/// writing millions of log lines allocates nothing per field.
/// </summary>
public sealed class AsciiWriter : IAsyncDisposable, IDisposable
{
    private readonly Stream _stream;
    private readonly byte[] _buffer;
    private int _length;

    /// <summary>Writes to <paramref name="stream"/>, which the writer then owns.</summary>
    public AsciiWriter(Stream stream, int bufferSize = 1 << 16)
    {
        _stream = stream;
        _buffer = new byte[bufferSize];
    }

    /// <summary>Total bytes written so far, buffered ones included.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Appends one byte.</summary>
    public void Write(byte value)
    {
        Reserve(1);
        _buffer[_length++] = value;
        BytesWritten++;
    }

    /// <summary>Appends ASCII text (callers pass only ASCII).</summary>
    public void Write(string text)
    {
        Reserve(text.Length);
        var written = Encoding.ASCII.GetBytes(text, _buffer.AsSpan(_length));
        Advance(written);
    }

    /// <summary>Appends a decimal integer.</summary>
    public void Write(long value)
    {
        Reserve(20);
        Utf8Formatter.TryFormat(value, _buffer.AsSpan(_length), out var written);
        Advance(written);
    }

    /// <summary>
    /// Appends a fixed-point number of nanoseconds as milliseconds with six decimals, the way Tstat
    /// prints times (<c>1425072600105.886963</c>).
    /// </summary>
    public void WriteMillis(long nanoseconds)
    {
        if (nanoseconds < 0)
        {
            Write((byte)'-');
            nanoseconds = -nanoseconds;
        }

        Write(nanoseconds / 1_000_000);
        Write((byte)'.');
        Reserve(6);
        Utf8Formatter.TryFormat(nanoseconds % 1_000_000, _buffer.AsSpan(_length), out var written, new StandardFormat('D', 6));
        Advance(written);
    }

    /// <summary>Appends an IPv4 address given as a host-order 32-bit number, in dotted-quad form.</summary>
    public void WriteIPv4(uint address)
    {
        Write(address >> 24);
        Write((byte)'.');
        Write((address >> 16) & 0xFF);
        Write((byte)'.');
        Write((address >> 8) & 0xFF);
        Write((byte)'.');
        Write(address & 0xFF);
    }

    /// <summary>Writes the buffer to the stream.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
        _length = 0;
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the buffer is fuller than <paramref name="fraction"/>; callers flush asynchronously between records.</summary>
    public bool IsFullerThan(double fraction) => _length > _buffer.Length * fraction;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stream.Write(_buffer, 0, _length);
        _length = 0;
        _stream.Dispose();
    }

    private void Advance(int count)
    {
        _length += count;
        BytesWritten += count;
    }

    private void Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            // Records are flushed asynchronously between lines; this synchronous path is only hit by a line longer than the slack.
            _stream.Write(_buffer, 0, _length);
            _length = 0;
            if (count > _buffer.Length)
            {
                throw new InvalidOperationException($"a single value of {count} bytes exceeds the writer's buffer");
            }
        }
    }
}
