namespace Mplane.LogFormats.Query;

/// <summary>
/// Recursive-descent parser of filter expressions with C precedence: <c>||</c> below <c>&amp;&amp;</c>
/// below <c>!</c> below comparisons. <c>and</c>, <c>or</c>, <c>not</c> are accepted as words.
/// </summary>
internal sealed class Parser
{
    private static readonly HashSet<string> Comparisons = ["==", "!=", "<", "<=", ">", ">="];
    private readonly string _expression;
    private readonly List<Token> _tokens;
    private int _next;
    private int _depth;

    private Parser(string expression)
    {
        _expression = expression;
        _tokens = Lexer.Tokenize(expression);
    }

    /// <summary>The longest expression accepted: filters come from the network too.</summary>
    public const int MaxLength = 4096;

    /// <summary>The deepest nesting of '(' and '!' accepted: deeper would exhaust the stack of the parser and of every translator.</summary>
    public const int MaxDepth = 64;

    public static Node Parse(string expression)
    {
        if (expression.Length > MaxLength)
        {
            throw new FilterException($"the expression is longer than {MaxLength} characters", expression[..40] + "...", 40);
        }

        var parser = new Parser(expression);
        if (parser.Peek.Kind == TokenKind.End)
        {
            throw new FilterException("empty expression", expression, 0);
        }

        var node = parser.ParseOr();
        if (parser.Peek.Kind != TokenKind.End)
        {
            throw parser.Error($"unexpected '{parser.Peek.Text}' after a complete expression", parser.Peek);
        }

        return node;
    }

    private Token Peek => _tokens[_next];

    private Token Take() => _tokens[_next++];

    private Node ParseOr()
    {
        var left = ParseAnd();
        while (Peek.Is(TokenKind.Operator, "||") || Peek.IsWord("or"))
        {
            var op = Take();
            left = new OrNode(left, ParseAnd(), op.Position);
        }

        return left;
    }

    private Node ParseAnd()
    {
        var left = ParseUnary();
        while (Peek.Is(TokenKind.Operator, "&&") || Peek.IsWord("and"))
        {
            var op = Take();
            left = new AndNode(left, ParseUnary(), op.Position);
        }

        return left;
    }

    private Node ParseUnary()
    {
        if (++_depth > MaxDepth)
        {
            throw Error($"nested deeper than {MaxDepth} levels", Peek);
        }

        try
        {
            return ParseUnaryNested();
        }
        finally
        {
            _depth--;
        }
    }

    private Node ParseUnaryNested()
    {
        if (Peek.Is(TokenKind.Operator, "!") || Peek.IsWord("not"))
        {
            var op = Take();
            return new NotNode(ParseUnary(), op.Position);
        }

        if (Peek.Kind == TokenKind.LeftParen)
        {
            var open = Take();
            var inner = ParseOr();
            if (Peek.Kind != TokenKind.RightParen)
            {
                throw Error($"expected ')' to close the '(' at column {open.Position + 1}", Peek);
            }

            Take();
            return inner;
        }

        return ParseComparison();
    }

    private Node ParseComparison()
    {
        var left = ParseOperand();
        var op = Peek;
        if (op.Kind == TokenKind.Operator && Comparisons.Contains(op.Text))
        {
            Take();
            return new CompareNode(op.Text, left, ParseOperand(), op.Position);
        }

        if (op.IsWord("in"))
        {
            Take();
            return new InNode(RequireField(left, "in"), ParseSet(), op.Position);
        }

        if (op.Kind == TokenKind.Operator && op.Text is "~" or "!~" or "=~")
        {
            Take();
            var pattern = Take();
            if (pattern.Kind != TokenKind.String)
            {
                throw Error($"'{op.Text}' takes a quoted pattern", pattern);
            }

            return new MatchNode(RequireField(left, op.Text), pattern.Text, op.Text == "=~", op.Text == "!~", op.Position);
        }

        if (left is FieldOperand field)
        {
            return new TruthNode(field, field.Position);
        }

        throw Error("expected a comparison after a value", op);
    }

    private List<LiteralOperand> ParseSet()
    {
        if (Peek.Kind != TokenKind.LeftBrace && Peek.Kind != TokenKind.LeftParen)
        {
            return [ParseLiteral()];
        }

        var open = Take();
        var closing = open.Kind == TokenKind.LeftParen ? TokenKind.RightParen : TokenKind.RightBrace;
        var items = new List<LiteralOperand> { ParseLiteral() };
        while (Peek.Kind == TokenKind.Comma)
        {
            Take();
            items.Add(ParseLiteral());
        }

        if (Peek.Kind != closing)
        {
            throw Error("expected ',' or the end of the list", Peek);
        }

        Take();
        return items;
    }

    private LiteralOperand ParseLiteral() =>
        ParseOperand() as LiteralOperand ?? throw Error("expected a value (number, string or address), not a field", _tokens[_next - 1]);

    private Operand ParseOperand()
    {
        var token = Take();
        return token.Kind switch
        {
            TokenKind.Identifier when token.Text.ToLowerInvariant() is "null" or "true" or "false" =>
                new LiteralOperand(TokenKind.Identifier, token.Text.ToLowerInvariant(), token.Position, token.Text.Length),
            TokenKind.Identifier => new FieldOperand(token.Text, token.Position, token.Text.Length),
            TokenKind.Number or TokenKind.String or TokenKind.Address => new LiteralOperand(token.Kind, token.Text, token.Position, Math.Max(1, token.Text.Length)),
            TokenKind.End => throw Error("the expression ends where a field or value is expected", token),
            _ => throw Error($"expected a field or value, found '{token.Text}'", token),
        };
    }

    private FieldOperand RequireField(Operand operand, string op) =>
        operand as FieldOperand ?? throw new FilterException($"the left side of '{op}' must be a field", _expression, operand.Position, operand.Length);

    private FilterException Error(string problem, Token at) => new(problem, _expression, at.Position, Math.Max(1, at.Text.Length));
}
