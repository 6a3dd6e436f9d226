namespace Mplane.LogFormats;

/// <summary>The value domains of record fields, after DSS's typed fields.</summary>
public enum FieldType
{
    /// <summary>Free text; read as-is.</summary>
    Text,
    /// <summary>A 32-bit signed integer.</summary>
    Int32,
    /// <summary>A 64-bit signed integer (byte counters, windows).</summary>
    Int64,
    /// <summary>A double-precision real number.</summary>
    Real,
    /// <summary>A 0/1 flag.</summary>
    Flag,
    /// <summary>A TCP or UDP port number, 0-65535.</summary>
    Port,
    /// <summary>An IPv4 or IPv6 address.</summary>
    Address,
    /// <summary>An absolute time in milliseconds since the Unix epoch (UTC), with a fraction.</summary>
    Instant,
    /// <summary>A time span in milliseconds, with a fraction.</summary>
    Duration,
}
