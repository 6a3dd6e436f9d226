using Mplane.Protocol.Values;

namespace Mplane.Protocol.Constraints;

/// <summary>
/// A capability's constraint on a parameter: <c>*</c> (any value), a range <c>A ... B</c> (inclusive,
/// ends swapped when reversed) or a set <c>v1,v2,v3</c> (a single value is a set of one), written as
/// the reference writes them.
/// </summary>
public sealed class Constraint
{
    private const string RangeSeparator = " ... ";

    private Constraint(Prim prim, string text)
    {
        Prim = prim;
        Text = text;
    }

    /// <summary>The parameter's prim.</summary>
    public Prim Prim { get; }

    /// <summary>The constraint as written.</summary>
    public string Text { get; }

    /// <summary>Whether any value is accepted.</summary>
    public bool IsAny { get; private init; }

    /// <summary>The range's ends, for a range.</summary>
    public (IComparable Low, IComparable High)? Range { get; private init; }

    /// <summary>The allowed values, for a set.</summary>
    public IReadOnlyList<object?> Members { get; private init; } = [];

    /// <summary>The single value, when the constraint allows exactly one (it pre-fills specifications).</summary>
    public object? SingleValue => Members.Count == 1 ? Members[0] : null;

    /// <summary>Parses a constraint on a value of <paramref name="prim"/>.</summary>
    /// <exception cref="FormatException">A bound or a member is not a value of the prim.</exception>
    public static Constraint Parse(Prim prim, string text)
    {
        if (text == ValueCodec.Wildcard)
        {
            return new Constraint(prim, text) { IsAny = true };
        }

        var range = text.IndexOf(RangeSeparator, StringComparison.Ordinal);
        if (range > 0)
        {
            var a = Comparable(prim, text[..range]);
            var b = Comparable(prim, text[(range + RangeSeparator.Length)..]);
            return new Constraint(prim, text) { Range = a.CompareTo(b) <= 0 ? (a, b) : (b, a) };
        }

        // Members are split on commas and not trimmed, as the reference does: "a, b" has the member " b".
        return new Constraint(prim, text) { Members = [.. text.Split(',').Select(member => ValueCodec.Parse(prim, member))] };
    }

    /// <summary>Whether <paramref name="value"/> (already parsed, of this prim) is allowed.</summary>
    public bool Accepts(object? value)
    {
        if (IsAny)
        {
            return true;
        }

        if (Range is var (low, high))
        {
            return value is IComparable v && v.GetType() == low.GetType() && v.CompareTo(low) >= 0 && v.CompareTo(high) <= 0;
        }

        return Members.Any(member => Equals(member, value));
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    private static IComparable Comparable(Prim prim, string text) =>
        ValueCodec.Parse(prim, text) as IComparable ?? throw new FormatException($"'{text}' cannot bound a range of prim {prim.Name()}");
}
