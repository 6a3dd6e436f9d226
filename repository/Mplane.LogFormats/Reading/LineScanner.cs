using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mplane.LogFormats.Reading;

/// <summary>
/// Finds the end of a line and counts the field separators in it in one vectorised pass, so that
/// every line's field count is checked for the price of reading it once.
/// </summary>
internal static class LineScanner
{
    /// <summary>
    /// The index of the first <c>\n</c> in <paramref name="text"/> (-1 when there is none) and the
    /// number of <paramref name="separator"/> bytes before it (or in the whole span).
    /// </summary>
    public static int FindLineEnd(ReadOnlySpan<byte> text, byte separator, out int separators)
    {
        var count = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && text.Length >= Vector256<byte>.Count)
        {
            ref var start = ref MemoryMarshal.GetReference(text);
            var newlines = Vector256.Create((byte)'\n');
            var separatorVector = Vector256.Create(separator);
            for (; i <= text.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                var block = Vector256.LoadUnsafe(ref start, (nuint)i);
                var newlineBits = Vector256.Equals(block, newlines).ExtractMostSignificantBits();
                var separatorBits = Vector256.Equals(block, separatorVector).ExtractMostSignificantBits();
                if (newlineBits != 0)
                {
                    var at = BitOperations.TrailingZeroCount(newlineBits);
                    separators = count + BitOperations.PopCount(separatorBits & ((1u << at) - 1));
                    return i + at;
                }

                count += BitOperations.PopCount(separatorBits);
            }
        }

        return FinishScalar(text, separator, i, count, out separators);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int FinishScalar(ReadOnlySpan<byte> text, byte separator, int i, int count, out int separators)
    {
        for (; i < text.Length; i++)
        {
            var b = text[i];
            if (b == (byte)'\n')
            {
                separators = count;
                return i;
            }

            if (b == separator)
            {
                count++;
            }
        }

        separators = count;
        return -1;
    }
}
