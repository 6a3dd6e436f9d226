using System.IO.Compression;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;

namespace Mplane.LogFormats.Reading;

/// <summary>The compressed encodings recognised on input.</summary>
public enum Compression
{
    /// <summary>Plain bytes.</summary>
    None,
    /// <summary>gzip (RFC 1952), concatenated members included.</summary>
    Gzip,
    /// <summary>bzip2.</summary>
    Bzip2,
    /// <summary>xz (LZMA2).</summary>
    Xz,
    /// <summary>Zstandard.</summary>
    Zstd,
}

/// <summary>
/// DSS's transforms: recognises compressed input by its magic bytes and decompresses it while
/// streaming, never through a temporary file.
/// </summary>
public static class InputTransforms
{
    private const int MagicLength = 6;

    /// <summary>The compression announced by the first bytes of an input.</summary>
    public static Compression Identify(ReadOnlySpan<byte> head) => head switch
    {
        [0x1F, 0x8B, ..] => Compression.Gzip,
        [(byte)'B', (byte)'Z', (byte)'h', ..] => Compression.Bzip2,
        [0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00, ..] => Compression.Xz,
        [0x28, 0xB5, 0x2F, 0xFD, ..] => Compression.Zstd,
        _ => Compression.None,
    };

    /// <summary>
    /// Wraps <paramref name="input"/> so that reads return the decompressed bytes, whatever the
    /// compression; the returned stream owns <paramref name="input"/>.
    /// </summary>
    /// <exception cref="LogFormatException">The compressed data is corrupt from its start; the message names <paramref name="source"/>.</exception>
    public static async Task<(Stream Stream, Compression Compression)> OpenAsync(Stream input, string source, CancellationToken cancellationToken)
    {
        var head = new byte[MagicLength];
        var read = 0;
        while (read < head.Length)
        {
            var n = await input.ReadAsync(head.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        var compression = Identify(head.AsSpan(0, read));
        Stream replayed = input.CanSeek ? Rewind(input, read) : new PrefixedStream(head.AsMemory(0, read), input);
        try
        {
            return (Wrap(replayed, compression), compression);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // Some decoders (bzip2) read their first block while being set up.
            await replayed.DisposeAsync().ConfigureAwait(false);
            throw new LogFormatException($"{source}: the input is corrupt or truncated ({compression}): {e.Message}", e);
        }
    }

    /// <summary>Opens a file with its compression recognised.</summary>
    public static Task<(Stream Stream, Compression Compression)> OpenFileAsync(string path, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite,
            BufferSize = 0, // the reader reads large blocks itself
            Options = FileOptions.SequentialScan,
        });
        return OpenAsync(file, path, cancellationToken);
    }

    private static Stream Rewind(Stream input, int read)
    {
        input.Seek(-read, SeekOrigin.Current);
        return input;
    }

    private static Stream Wrap(Stream stream, Compression compression) => compression switch
    {
        Compression.Gzip => new VerifiedGzipStream(stream),
        Compression.Bzip2 => BZip2Stream.Create(stream, SharpCompress.Compressors.CompressionMode.Decompress,
            decompressConcatenated: true, leaveOpen: false, tolerateTruncatedStream: false),
        Compression.Xz => new XZStream(stream),
        Compression.Zstd => new ZstdSharp.DecompressionStream(stream, bufferSize: 0, checkEndOfStream: true, leaveOpen: false),
        _ => stream,
    };
}
