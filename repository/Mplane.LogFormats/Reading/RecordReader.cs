using System.IO.Compression;
using System.Text;
using Mplane.LogFormats.Methods;

namespace Mplane.LogFormats.Reading;

/// <summary>Options of a <see cref="RecordReader"/>.</summary>
public sealed record RecordReaderOptions
{
    /// <summary>The method to read with; null to recognise it from the first line.</summary>
    public IRecordMethod? Method { get; init; }

    /// <summary>The methods recognition chooses from.</summary>
    public MethodRegistry Registry { get; init; } = new();

    /// <summary>Where skipped lines are reported; they are counted either way.</summary>
    public Action<ReadProblem>? OnProblem { get; init; }

    /// <summary>The size of the read buffer.</summary>
    public int BufferSize { get; init; } = 1 << 20;

    /// <summary>The longest line accepted; a longer one is reported and skipped.</summary>
    public int MaxLineLength { get; init; } = 4 << 20;
}

/// <summary>
/// Reads records from a stream of log text: finds lines in a large buffer, checks each line's field
/// count against its format (splitting on single separators, so an empty field is kept in place),
/// reports and skips the lines that do not fit, and hands out the rest through a
/// <see cref="RecordCursor"/>. A last line without a newline is a record. Memory stays flat
/// whatever the input's size.
/// </summary>
/// <remarks>
/// Use <see cref="ReadAsync"/> per record, or for the fastest loop <see cref="TryRead"/> until it
/// returns false, then <see cref="FillAsync"/>, until that returns false.
/// </remarks>
public sealed class RecordReader : IAsyncDisposable, IDisposable
{
    private readonly Stream _stream;
    private readonly RecordReaderOptions _options;
    private readonly RecordCursor _cursor = new();
    private byte[] _buffer;
    private int _position;
    private int _end;
    private bool _endOfInput;
    private bool _discarding;
    private RecordFormat? _format;

    /// <summary>Reads from <paramref name="stream"/> (already decompressed), which the reader then owns.</summary>
    public RecordReader(Stream stream, string source, RecordReaderOptions? options = null)
    {
        _stream = stream;
        Source = source;
        _options = options ?? new RecordReaderOptions();
        _buffer = new byte[_options.BufferSize];
    }

    /// <summary>The input's name, used in problems and errors.</summary>
    public string Source { get; }

    /// <summary>The format of the records read so far (null before the first line).</summary>
    public RecordFormat? Format => _format;

    /// <summary>The current record.</summary>
    public RecordCursor Current => _cursor;

    /// <summary>Counts of lines, records, skipped lines and bytes.</summary>
    public ReadStatistics Statistics { get; } = new();

    /// <summary>Opens a file, recognising and undoing its compression.</summary>
    public static async Task<RecordReader> OpenFileAsync(string path, RecordReaderOptions? options, CancellationToken cancellationToken)
    {
        var (stream, _) = await InputTransforms.OpenFileAsync(path, cancellationToken).ConfigureAwait(false);
        return new RecordReader(stream, path, options);
    }

    /// <summary>Moves to the next record; false at the end of the input.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        while (!TryRead())
        {
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Moves to the next record already in the buffer; false when more input is needed (or none is left).</summary>
    public bool TryRead()
    {
        while (true)
        {
            var pending = _buffer.AsSpan(_position, _end - _position);

            // Before the format is known the separator is unknown: count spaces, the count is not used then.
            var separator = _format?.Separator ?? (byte)' ';
            var newline = LineScanner.FindLineEnd(pending, separator, out var separators);
            int length;
            int consumed;
            if (newline >= 0)
            {
                length = newline;
                consumed = newline + 1;
            }
            else if (_endOfInput && pending.Length > 0)
            {
                length = pending.Length; // a last line without its newline is still a record
                consumed = pending.Length;
            }
            else
            {
                return false;
            }

            var start = _position;
            _position += consumed;
            Statistics.Lines++;
            if (_discarding)
            {
                _discarding = false; // the tail of a line too long to keep
                continue;
            }

            if (length > 0 && _buffer[start + length - 1] == (byte)'\r')
            {
                length--;
            }

            if (length == 0)
            {
                continue;
            }

            if (Accept(start, length, separators))
            {
                return true;
            }
        }
    }

    /// <summary>Reads more input into the buffer; false when the input is exhausted and the buffer empty.</summary>
    public async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_endOfInput)
        {
            return false;
        }

        if (_position > 0)
        {
            // Keep the unfinished line at the front.
            _buffer.AsSpan(_position, _end - _position).CopyTo(_buffer);
            _end -= _position;
            _position = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length < _options.MaxLineLength)
            {
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, _options.MaxLineLength));
            }
            else
            {
                // One report per line, however many buffers its tail takes to skip.
                if (!_discarding)
                {
                    Report(Statistics.Lines + 1, $"line longer than {_options.MaxLineLength} bytes; skipped");
                    Statistics.Malformed++;
                    _discarding = true;
                }

                _end = 0;
            }
        }

        int read;
        try
        {
            read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new LogFormatException(
                $"{Source}: the input is corrupt or truncated after {Statistics.Bytes} decompressed bytes (line {Statistics.Lines + 1}): {e.Message}", e);
        }

        if (read == 0)
        {
            _endOfInput = true;
            if (_discarding)
            {
                _discarding = false;
                _end = _position = 0;
            }

            return _end > _position;
        }

        _end += read;
        Statistics.Bytes += read;
        return true;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    private bool Accept(int start, int length, int separators)
    {
        var line = _buffer.AsSpan(start, length);
        var lineNumber = Statistics.Lines;
        if (_format is null || (line[0] == (byte)'#' && _format.Header is not null))
        {
            return StartFormat(line, start, length, lineNumber);
        }

        // The scan counted separators with the format's separator unless the format changed on this line.
        var fields = separators + 1;
        if (fields != _format.FieldCount)
        {
            Statistics.Malformed++;
            Report(lineNumber, $"expected {_format.FieldCount} fields, found {fields}; line skipped");
            return false;
        }

        _cursor.Reset(_format, _buffer, start, length, lineNumber);
        Statistics.Records++;
        return true;
    }

    private bool StartFormat(ReadOnlySpan<byte> line, int start, int length, long lineNumber)
    {
        if (_format is not null)
        {
            // Inside a headed log, a '#' line is a repeated header, a new header (the columns change from
            // here on), or a comment.
            if (_format.Method.Recognises(line))
            {
                var next = _format.Method.CreateFormat(line, Source, out _);
                if (next.Header != _format.Header)
                {
                    _format = next;
                }
            }

            return false;
        }

        var method = _options.Method ?? _options.Registry.Recognise(line)
            ?? throw new LogFormatException(
                $"{Source}:{lineNumber}: cannot recognise the format (known methods: {string.Join(", ", _options.Registry.Methods.Select(m => m.Name))}); " +
                $"the line starts with '{Printable(line)}'. Use --method to name it.");
        _format = method.CreateFormat(line, Source, out var consumesLine);
        return !consumesLine && Accept(start, length, line.Count(_format.Separator));
    }

    private void Report(long line, string message) => _options.OnProblem?.Invoke(new ReadProblem(Source, line, message));

    private static string Printable(ReadOnlySpan<byte> line)
    {
        var head = line[..Math.Min(line.Length, 40)];
        var text = new StringBuilder(head.Length);
        foreach (var b in head)
        {
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }

        return text.ToString();
    }
}
