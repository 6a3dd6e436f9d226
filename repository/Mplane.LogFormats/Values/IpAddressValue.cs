using System.Net;
using System.Net.Sockets;

namespace Mplane.LogFormats.Values;

/// <summary>
/// An IPv4 or IPv6 address as a value: IPv4 in the low 32 bits, IPv6 as all 128. No allocation, so
/// that filters compare addresses per record for free.
/// </summary>
/// <param name="Bits">The address bits, most significant first.</param>
/// <param name="IsV6">Whether it is an IPv6 address.</param>
public readonly record struct IpAddressValue(UInt128 Bits, bool IsV6)
{
    /// <summary>An IPv4 address from its host-order number.</summary>
    public static IpAddressValue V4(uint address) => new(address, false);

    /// <summary>Converts an <see cref="IPAddress"/>.</summary>
    public static IpAddressValue From(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        UInt128 bits = 0;
        for (var i = 0; i < written; i++)
        {
            bits = (bits << 8) | bytes[i];
        }

        return new IpAddressValue(bits, address.AddressFamily == AddressFamily.InterNetworkV6);
    }

    /// <summary>The address as an <see cref="IPAddress"/> (allocates; for output).</summary>
    public IPAddress ToIPAddress()
    {
        if (!IsV6)
        {
            var v4 = (uint)Bits;
            return new IPAddress([(byte)(v4 >> 24), (byte)(v4 >> 16), (byte)(v4 >> 8), (byte)v4]);
        }

        var bytes = new byte[16];
        var bits = Bits;
        for (var i = 15; i >= 0; i--)
        {
            bytes[i] = (byte)bits;
            bits >>= 8;
        }

        return new IPAddress(bytes);
    }

    /// <inheritdoc />
    public override string ToString() => ToIPAddress().ToString();
}

/// <summary>An address prefix (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>) for <c>in</c> tests.</summary>
/// <param name="Network">The network address, host bits cleared.</param>
/// <param name="Length">The prefix length in bits.</param>
public readonly record struct IpPrefix(IpAddressValue Network, int Length)
{
    private UInt128 Mask => Length == 0 ? 0 : UInt128.MaxValue << ((Network.IsV6 ? 128 : 32) - Length) & (Network.IsV6 ? UInt128.MaxValue : uint.MaxValue);

    /// <summary>Whether <paramref name="address"/> lies in the prefix (addresses of the other family never do).</summary>
    public bool Contains(IpAddressValue address) => address.IsV6 == Network.IsV6 && (address.Bits & Mask) == Network.Bits;

    /// <summary>Parses <c>address/length</c> or a bare address (a full-length prefix); null when malformed.</summary>
    public static IpPrefix? TryParse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address))
        {
            return null;
        }

        var value = IpAddressValue.From(address);
        var max = value.IsV6 ? 128 : 32;
        var length = max;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length) || length > max))
        {
            return null;
        }

        var prefix = new IpPrefix(value, length);
        return prefix with { Network = value with { Bits = value.Bits & prefix.Mask } };
    }

    /// <inheritdoc />
    public override string ToString() => $"{Network}/{Length}";
}
