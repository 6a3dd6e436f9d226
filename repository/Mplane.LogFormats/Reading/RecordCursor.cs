using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using Mplane.LogFormats.Values;

namespace Mplane.LogFormats.Reading;

/// <summary>
/// The current record of a <see cref="RecordReader"/>: typed access to its fields straight from the
/// read buffer. Fields are located lazily, up to the highest one asked for, and nothing is allocated
/// per field (only <see cref="GetString"/> builds a string, for output). Valid until the reader moves on.
/// </summary>
public sealed class RecordCursor
{
    private byte[] _buffer = [];
    private int _start;
    private int _length;
    private int[] _fieldStarts = new int[1];
    private int _located;
    private byte _separator;

    /// <summary>The format of the current record.</summary>
    public RecordFormat Format { get; private set; } = null!;

    /// <summary>The record's 1-based line number in its input.</summary>
    public long LineNumber { get; private set; }

    /// <summary>The whole line, without its newline.</summary>
    public ReadOnlySpan<byte> Line => _buffer.AsSpan(_start, _length);

    /// <summary>The raw bytes of field <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Field(int index)
    {
        if (index >= _located)
        {
            Locate(index);
        }

        var from = _fieldStarts[index];
        return _buffer.AsSpan(_start + from, _fieldStarts[index + 1] - from - 1);
    }

    /// <summary>Whether field <paramref name="index"/> is null: absent from the format (negative index), empty, or <c>-</c>.</summary>
    public bool IsNull(int index) => index < 0 || Utf8Values.IsNull(Field(index));

    /// <summary>An integer field; false when null or not a number.</summary>
    public bool TryGetInt64(int index, out long value)
    {
        if (index < 0)
        {
            value = 0;
            return false;
        }

        var field = Field(index);
        if (Utf8Values.TryParseInt64(field, out value))
        {
            return true;
        }

        // Integers written with a fraction (a counter printed as a real) still compare as numbers.
        if (Utf8Values.TryParseDouble(field, out var real) && real == Math.Floor(real) && Math.Abs(real) < 9e18)
        {
            value = (long)real;
            return true;
        }

        return false;
    }

    /// <summary>A numeric field as a real; false when null or not a number.</summary>
    public bool TryGetDouble(int index, out double value)
    {
        if (index < 0)
        {
            value = 0;
            return false;
        }

        return Utf8Values.TryParseDouble(Field(index), out value);
    }

    /// <summary>An address field in its format's encoding; false when null or malformed.</summary>
    public bool TryGetAddress(int index, out IpAddressValue value)
    {
        value = default;
        if (index < 0)
        {
            return false;
        }

        var field = Field(index);
        if (Format.Fields[index].Encoding == FieldEncoding.DecimalIPv4)
        {
            var ok = Utf8Values.TryParseDecimalIPv4(field, out var v4);
            value = IpAddressValue.V4(v4);
            return ok;
        }

        return Utf8Values.TryParseAddress(field, out value);
    }

    /// <summary>The field as text, or null when it is null (allocates; for output).</summary>
    public string? GetString(int index) => IsNull(index) ? null : Encoding.UTF8.GetString(Field(index));

    /// <summary>
    /// The field's value in its canonical text form, or null when it is null: as written, except that
    /// encoded values are decoded (a MAWI address <c>3235574320</c> becomes <c>192.218.242.48</c>).
    /// </summary>
    public string? GetDisplayString(int index)
    {
        if (IsNull(index))
        {
            return null;
        }

        return Format.Fields[index].Encoding == FieldEncoding.DecimalIPv4 && TryGetAddress(index, out var address)
            ? address.ToString()
            : Encoding.UTF8.GetString(Field(index));
    }

    /// <summary>Points the cursor at a new line.</summary>
    internal void Reset(RecordFormat format, byte[] buffer, int start, int length, long lineNumber)
    {
        if (!ReferenceEquals(format, Format))
        {
            Format = format;
            _separator = format.Separator;
            _fieldStarts = new int[format.FieldCount + 1];
        }

        _buffer = buffer;
        _start = start;
        _length = length;
        LineNumber = lineNumber;
        _located = 0; // _fieldStarts[0] is always 0
    }

    private void Locate(int index)
    {
        if ((uint)index >= (uint)(_fieldStarts.Length - 1))
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"the format has {_fieldStarts.Length - 1} fields");
        }

        var line = Line;
        var position = _fieldStarts[_located];
        var starts = _fieldStarts.AsSpan();

        // Take the separators 32 bytes at a time from a bit mask: one compare per block instead of one search per field.
        if (Vector256.IsHardwareAccelerated)
        {
            ref var origin = ref MemoryMarshal.GetReference(line);
            var separators = Vector256.Create(_separator);
            while (_located <= index && position <= line.Length - Vector256<byte>.Count)
            {
                var bits = Vector256.Equals(Vector256.LoadUnsafe(ref origin, (nuint)position), separators).ExtractMostSignificantBits();
                var blockStart = position;

                // Keep every separator of the block, not only those up to index: the next field asked for is usually near.
                var last = starts.Length - 1;
                while (bits != 0 && _located < last)
                {
                    position = blockStart + BitOperations.TrailingZeroCount(bits) + 1;
                    starts[++_located] = position;
                    bits &= bits - 1;
                }

                if (bits == 0)
                {
                    position = blockStart + Vector256<byte>.Count;
                }
            }
        }

        while (_located <= index)
        {
            var next = position > line.Length ? -1 : line[position..].IndexOf(_separator);
            position = next < 0 ? line.Length + 1 : position + next + 1;
            starts[++_located] = position;
        }
    }
}
