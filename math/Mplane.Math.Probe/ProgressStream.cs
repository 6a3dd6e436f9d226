namespace Mplane.Math.Probe;

/// <summary>
/// A read-only view of a file being uploaded, from <c>offset</c> up to <c>length</c> and no further
/// (a file that grows meanwhile is sent as it was announced), reporting at most every <c>interval</c>
/// how far the upload has got: the progress line of a long transfer. <c>read</c>, if given, hears of
/// every read (the bytes it returned, 0 at the end): the upload's watchdog.
/// </summary>
public sealed class ProgressStream(Stream inner, long offset, long length, TimeSpan interval, Action<long, long> report, Action<int>? read = null) : Stream
{
    private long _position = offset;
    private DateTime _next = DateTime.UtcNow + interval;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Advance(inner.Read(buffer, offset, Left(count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Advance(await inner.ReadAsync(buffer[..Left(buffer.Length)], cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Left(int count) => (int)System.Math.Min(count, System.Math.Max(0, length - _position));

    private int Advance(int count)
    {
        read?.Invoke(count);
        _position += count;
        if (DateTime.UtcNow >= _next)
        {
            _next = DateTime.UtcNow + interval;
            report(_position, length);
        }

        return count;
    }
}
