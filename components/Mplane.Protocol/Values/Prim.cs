namespace Mplane.Protocol.Values;

/// <summary>mPlane's primitive types: every registry element has one.</summary>
public enum Prim
{
    /// <summary>Text.</summary>
    String,

    /// <summary>A non-negative integer.</summary>
    Natural,

    /// <summary>A floating-point number.</summary>
    Real,

    /// <summary><c>True</c> or <c>False</c>.</summary>
    Boolean,

    /// <summary>An instant, UTC.</summary>
    Time,

    /// <summary>An IPv4 or IPv6 address.</summary>
    Address,

    /// <summary>A URL.</summary>
    Url,
}

/// <summary>The registry names of the primitive types.</summary>
public static class Prims
{
    /// <summary>The prim named <paramref name="name"/> in a registry (<c>natural</c>, <c>time</c>...).</summary>
    /// <exception cref="FormatException">No such prim.</exception>
    public static Prim Parse(string name) => name switch
    {
        "string" => Prim.String,
        "natural" => Prim.Natural,
        "real" => Prim.Real,
        "boolean" => Prim.Boolean,
        "time" => Prim.Time,
        "address" => Prim.Address,
        "url" => Prim.Url,
        _ => throw new FormatException($"'{name}' is not an mPlane primitive type (string, natural, real, boolean, time, address, url)"),
    };

    /// <summary>The registry name of <paramref name="prim"/>.</summary>
    public static string Name(this Prim prim) => prim.ToString().ToLowerInvariant();
}
