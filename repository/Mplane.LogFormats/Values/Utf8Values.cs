using System.Buffers.Text;
using System.Net;
using System.Text;

namespace Mplane.LogFormats.Values;

/// <summary>
/// Parsers of field values straight from the file's bytes, without building strings. Each returns
/// false for a value that does not parse; null markers are handled by the caller.
/// </summary>
public static class Utf8Values
{
    /// <summary>Whether a field holds no value: empty, or Tstat's <c>-</c>.</summary>
    public static bool IsNull(ReadOnlySpan<byte> field) => field.Length == 0 || (field.Length == 1 && field[0] == (byte)'-');

    /// <summary>A decimal integer with an optional sign.</summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.Length is 0 or > 20)
        {
            return Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length;
        }

        var negative = text[0] == (byte)'-';
        var i = negative || text[0] == (byte)'+' ? 1 : 0;
        if (i == text.Length)
        {
            return false;
        }

        ulong result = 0;
        for (; i < text.Length; i++)
        {
            var digit = (uint)(text[i] - '0');
            if (digit > 9)
            {
                return false;
            }

            result = result * 10 + digit;
        }

        if (text.Length >= 19)
        {
            // Rare long values: let the framework do the overflow checks.
            return Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length;
        }

        value = negative ? -(long)result : (long)result;
        return true;
    }

    private static readonly double[] PowersOfTen = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18];

    /// <summary>A real number (decimal, optional fraction and exponent).</summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> text, out double value)
    {
        // Fast path for Tstat's plain "digits[.digits]": with fewer than 2^53 as the digits' value, one
        // division of two exactly representable doubles is correctly rounded, as the general parser is.
        var negative = text.Length > 0 && text[0] == (byte)'-';
        var i = negative ? 1 : 0;
        ulong mantissa = 0;
        var digits = 0;
        var fraction = -1;
        for (; i < text.Length; i++)
        {
            var b = text[i];
            var digit = (uint)(b - '0');
            if (digit <= 9)
            {
                mantissa = mantissa * 10 + digit;
                if (++digits > 18)
                {
                    break;
                }
            }
            else if (b == (byte)'.' && fraction < 0)
            {
                fraction = i;
            }
            else
            {
                break;
            }
        }

        if (i == text.Length && digits is > 0 and <= 18 && mantissa < (1UL << 53))
        {
            var scale = fraction < 0 ? 0 : text.Length - fraction - 1;
            value = mantissa / PowersOfTen[scale];
            value = negative ? -value : value;
            return true;
        }

        return Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length;
    }

    /// <summary>A dotted-quad IPv4 address as a host-order number.</summary>
    public static bool TryParseIPv4(ReadOnlySpan<byte> text, out uint address)
    {
        address = 0;
        uint part = 0;
        var digits = 0;
        var dots = 0;
        foreach (var b in text)
        {
            if (b == (byte)'.')
            {
                if (digits == 0 || ++dots > 3)
                {
                    return false;
                }

                address = (address << 8) | part;
                part = 0;
                digits = 0;
                continue;
            }

            var digit = (uint)(b - '0');
            if (digit > 9 || ++digits > 3 || (part = part * 10 + digit) > 255)
            {
                return false;
            }
        }

        if (dots != 3 || digits == 0)
        {
            return false;
        }

        address = (address << 8) | part;
        return true;
    }

    /// <summary>An IPv4 or IPv6 address in its text form.</summary>
    public static bool TryParseAddress(ReadOnlySpan<byte> text, out IpAddressValue address)
    {
        if (TryParseIPv4(text, out var v4))
        {
            address = IpAddressValue.V4(v4);
            return true;
        }

        if (text.IndexOf((byte)':') >= 0 && IPAddress.TryParse(Encoding.ASCII.GetString(text), out var parsed))
        {
            address = IpAddressValue.From(parsed);
            return true;
        }

        address = default;
        return false;
    }

    /// <summary>An IPv4 address written as an unsigned 32-bit decimal (network order), as MAWI does.</summary>
    public static bool TryParseDecimalIPv4(ReadOnlySpan<byte> text, out uint address)
    {
        address = 0;
        return Utf8Parser.TryParse(text, out address, out var consumed) && consumed == text.Length;
    }
}
