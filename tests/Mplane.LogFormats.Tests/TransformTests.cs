using System.Diagnostics;
using System.IO.Compression;
using Mplane.LogFormats.Reading;
using Mplane.LogFormats.Scanning;
using Mplane.Testing;
using SharpCompress.Compressors.BZip2;

namespace Mplane.LogFormats.Tests;

public sealed class TransformTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new("transforms");
    private readonly string _sample = InputFiles.Expand([TestPaths.TstatSamples])[0];

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Bzip2)]
    [InlineData(Compression.Xz)]
    [InlineData(Compression.Zstd)]
    public async Task Compressed_input_is_recognised_by_magic_and_read_like_the_plain_file(Compression compression)
    {
        var compressed = Compress(_sample, compression);
        await using (var probe = File.OpenRead(compressed))
        {
            var head = new byte[6];
            await probe.ReadExactlyAsync(head, TestTimeout.Token);
            Assert.Equal(compression, InputTransforms.Identify(head));
        }

        var plain = await Read.FileAsync(_sample);
        var read = await Read.FileAsync(compressed);
        Assert.Equal(165, read.Records.Count);
        Assert.Equal(plain.Records.Select(r => string.Join('|', r.Values)), read.Records.Select(r => string.Join('|', r.Values)));
        Assert.Equal(new FileInfo(_sample).Length, read.Statistics.Bytes);
    }

    [Fact]
    public async Task Concatenated_gzip_members_are_refused_rather_than_half_read()
    {
        var path = _directory.Combine("two-members.gz");
        var bytes = File.ReadAllBytes(Compress(_sample, Compression.Gzip));
        await File.WriteAllBytesAsync(path, [.. bytes, .. bytes], TestTimeout.Token);
        var error = await Assert.ThrowsAsync<LogFormatException>(() => Read.FileAsync(path));
        Assert.Contains("concatenated gzip members", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.99)]
    public async Task Truncated_gzip_is_an_error_naming_the_file(double kept)
    {
        var full = File.ReadAllBytes(Compress(_sample, Compression.Gzip));
        var path = _directory.Combine("truncated.gz");
        await File.WriteAllBytesAsync(path, full[..(int)(full.Length * kept)], TestTimeout.Token);

        var error = await Assert.ThrowsAsync<LogFormatException>(() => Read.FileAsync(path));
        Assert.StartsWith($"{path}: the input is corrupt or truncated", error.Message, StringComparison.Ordinal);
        Assert.Contains("gzip data ends early", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Compression.Bzip2)]
    [InlineData(Compression.Xz)]
    [InlineData(Compression.Zstd)]
    public async Task Truncated_input_of_the_other_compressions_is_an_error_too(Compression compression)
    {
        var full = File.ReadAllBytes(Compress(_sample, compression));
        var path = _directory.Combine("truncated." + compression);
        await File.WriteAllBytesAsync(path, full[..(full.Length * 2 / 3)], TestTimeout.Token);
        var error = await Assert.ThrowsAsync<LogFormatException>(() => Read.FileAsync(path));
        Assert.StartsWith($"{path}: the input is corrupt or truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_seekable_input_is_peeked_without_losing_bytes()
    {
        var bytes = File.ReadAllBytes(Compress(_sample, Compression.Gzip));
        var (stream, compression) = await InputTransforms.OpenAsync(new NonSeekable(new MemoryStream(bytes)), "pipe", TestTimeout.Token);
        Assert.Equal(Compression.Gzip, compression);
        var read = await Read.StreamAsync(stream, "pipe");
        Assert.Equal(165, read.Records.Count);
    }

    public void Dispose() => _directory.Dispose();

    private string Compress(string source, Compression compression)
    {
        var target = _directory.Combine(Path.GetFileName(source) + "." + compression.ToString().ToLowerInvariant());
        if (compression == Compression.Xz)
        {
            // The BCL and SharpCompress do not write xz: use the xz tool (xz-utils), as a user would.
            using var xz = Process.Start(new ProcessStartInfo("xz", ["-c", "-k", source]) { RedirectStandardOutput = true })!;
            using (var output = File.Create(target))
            {
                xz.StandardOutput.BaseStream.CopyTo(output);
            }

            xz.WaitForExit();
            Assert.Equal(0, xz.ExitCode);
            return target;
        }

        using (var input = File.OpenRead(source))
        using (var file = File.Create(target))
        using (Stream compressor = compression switch
        {
            Compression.Gzip => new GZipStream(file, CompressionLevel.Fastest),
            Compression.Bzip2 => BZip2Stream.Create(file, SharpCompress.Compressors.CompressionMode.Compress, false, false, false),
            Compression.Zstd => new ZstdSharp.CompressionStream(file),
            _ => throw new ArgumentOutOfRangeException(nameof(compression)),
        })
        {
            input.CopyTo(compressor);
        }

        return target;
    }

    private sealed class NonSeekable(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 7));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
