namespace Mplane.LogFormats.Query;

/// <summary>A node of a parsed filter expression.</summary>
internal abstract record Node(int Position);

internal sealed record OrNode(Node Left, Node Right, int Position) : Node(Position);

internal sealed record AndNode(Node Left, Node Right, int Position) : Node(Position);

internal sealed record NotNode(Node Operand, int Position) : Node(Position);

/// <summary><c>left op right</c> with op one of == != &lt; &lt;= &gt; &gt;=.</summary>
internal sealed record CompareNode(string Operator, Operand Left, Operand Right, int Position) : Node(Position);

/// <summary><c>field in prefix</c> or <c>field in {a, b, ...}</c>.</summary>
internal sealed record InNode(FieldOperand Field, IReadOnlyList<LiteralOperand> Set, int Position) : Node(Position);

/// <summary><c>field ~ "glob"</c>, <c>field !~ "glob"</c>, <c>field =~ "regex"</c>.</summary>
internal sealed record MatchNode(FieldOperand Field, string Pattern, bool IsRegex, bool Negated, int Position) : Node(Position);

/// <summary>A bare field: true when it holds a non-zero number, a non-empty text.</summary>
internal sealed record TruthNode(FieldOperand Field, int Position) : Node(Position);

/// <summary>An operand of a comparison.</summary>
internal abstract record Operand(int Position, int Length);

internal sealed record FieldOperand(string Name, int Position, int Length) : Operand(Position, Length);

/// <summary>A literal as written: a number, a string, an address or prefix, or null.</summary>
internal sealed record LiteralOperand(TokenKind Kind, string Text, int Position, int Length) : Operand(Position, Length)
{
    public bool IsNull => Kind == TokenKind.Identifier && Text.Equals("null", StringComparison.OrdinalIgnoreCase);
}
