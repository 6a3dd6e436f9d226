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
    /// <summary>An absolute time in whole seconds since the Unix epoch (UTC).</summary>
    UnixSeconds,
    /// <summary>A time span in milliseconds, with a fraction.</summary>
    Duration,
}

/// <summary>Families of field types that compare alike in filters.</summary>
public static class FieldTypes
{
    /// <summary>Whether values are whole numbers (compared exactly as 64-bit integers).</summary>
    public static bool IsInteger(this FieldType type) => type is FieldType.Int32 or FieldType.Int64 or FieldType.Flag or FieldType.Port or FieldType.UnixSeconds;

    /// <summary>Whether values are numbers of any kind.</summary>
    public static bool IsNumeric(this FieldType type) => type.IsInteger() || type is FieldType.Real or FieldType.Instant or FieldType.Duration;

    /// <summary>The name shown in the dictionary (<c>scan --man</c>).</summary>
    public static string DisplayName(this FieldType type) => type switch
    {
        FieldType.Text => "string",
        FieldType.Int32 => "int32",
        FieldType.Int64 => "int64",
        FieldType.Real => "real",
        FieldType.Flag => "flag",
        FieldType.Port => "port",
        FieldType.Address => "ipaddr",
        FieldType.Instant => "time_ms",
        FieldType.UnixSeconds => "time_s",
        FieldType.Duration => "duration_ms",
        _ => type.ToString(),
    };
}
