namespace Mplane.LogFormats.Mawi;

/// <summary>
/// The 13 tab-separated columns of the WIDE/MAWI flow summaries, named as the original's
/// <c>mawi_wide</c> table. Addresses are unsigned 32-bit decimals in the file.
/// </summary>
public static class MawiColumns
{
    /// <summary>All columns, in file order.</summary>
    public static IReadOnlyList<FieldDefinition> All { get; } =
    [
        new("serial_time", FieldType.UnixSeconds, "s", "time of the flow summary (Unix seconds)"),
        new("server_port", FieldType.Port, "", "server port"),
        new("user_port", FieldType.Port, "", "user (client) port"),
        new("server_ip", FieldType.Address, "", "server IPv4 address") { Encoding = FieldEncoding.DecimalIPv4 },
        new("user_ip", FieldType.Address, "", "user (client) IPv4 address") { Encoding = FieldEncoding.DecimalIPv4 },
        new("protocol", FieldType.Int32, "", "protocol class"),
        new("ipv4_protocol", FieldType.Int32, "", "IP protocol number (6 TCP, 17 UDP, 1 ICMP)"),
        new("flags", FieldType.Int32, "", "TCP flags byte; 255 for non-TCP"),
        new("up_phy_pkts", FieldType.Int64, "packets", "packets (physical layer)"),
        new("up_ipv4_pkts", FieldType.Int64, "packets", "IPv4 packets"),
        new("up_phy_bytes", FieldType.Int64, "bytes", "bytes (physical layer)"),
        new("up_ipv4_pdu_bytes", FieldType.Int64, "bytes", "IPv4 PDU bytes"),
        new("up_ipv4_sdu_bytes", FieldType.Int64, "bytes", "IPv4 SDU bytes"),
    ];
}
