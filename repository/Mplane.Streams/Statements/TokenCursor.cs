using Mplane.Warehouse.Sql;

namespace Mplane.Streams.Statements;

/// <summary>
/// The parsers' view of one statement: tokens read as far as they are looked at (a plain SQL
/// statement in a script is lexed only as far as its first words), expectations that fail with a
/// <see cref="StatementException"/> naming what was expected and what was found.
/// </summary>
internal sealed class TokenCursor
{
    // A found token is quoted in messages up to this length: a message must stay readable for a 1 MB literal.
    public const int ShownLength = 40;

    private readonly SqlLexer _lexer;
    private readonly List<SqlToken> _tokens = [];
    private int _next;

    public TokenCursor(string text)
    {
        Text = text;
        _lexer = new SqlLexer(text);
    }

    public string Text { get; }

    public SqlToken Peek => PeekAt(0);

    public SqlToken PeekAt(int ahead)
    {
        while (_tokens.Count <= _next + ahead && (_tokens.Count == 0 || _tokens[^1].Kind != SqlTokenKind.End))
        {
            _tokens.Add(_lexer.Next());
        }

        return _tokens[Math.Min(_next + ahead, _tokens.Count - 1)];
    }

    public bool IsWordAt(int ahead, string word) => PeekAt(ahead).IsWord(Text, word);

    /// <summary>The next token; the end repeats once reached.</summary>
    public SqlToken Take()
    {
        var token = Peek;
        if (token.Kind != SqlTokenKind.End)
        {
            _next++;
        }

        return token;
    }

    public bool TakeWord(string word)
    {
        if (!Peek.IsWord(Text, word))
        {
            return false;
        }

        _next++;
        return true;
    }

    public bool TakeIf(SqlTokenKind kind)
    {
        if (Peek.Kind != kind)
        {
            return false;
        }

        _next++;
        return true;
    }

    public SqlToken ExpectWord(string word, string context)
    {
        var token = Take();
        return token.IsWord(Text, word)
            ? token
            : throw Error($"expected {word.ToUpperInvariant()} {context} but found {Describe(token)}", token);
    }

    public SqlToken Expect(SqlTokenKind kind, string expected)
    {
        var token = Take();
        return token.Kind == kind ? token : throw Error($"expected {expected} but found {Describe(token)}", token);
    }

    /// <summary>
    /// A name: a word, its A-Z lower-cased as PostgreSQL folds it, or a "quoted name" taken as written;
    /// either way it must be a plain lower-case <see cref="Identifier"/>.
    /// </summary>
    public Identifier ExpectName(string what)
    {
        var token = Take();
        var name = token.Kind switch
        {
            SqlTokenKind.Word => FoldCase(token.TextIn(Text)),
            SqlTokenKind.QuotedIdentifier => Unquoted(token),
            _ => throw Error($"expected the {what}'s name but found {Describe(token)}", token),
        };
        if (Identifier.IsValid(name))
        {
            return Identifier.Of(name, what);
        }

        throw Error($"{what} name '{Shown(name)}' is not allowed: use 1 to 63 lower-case letters, digits and underscores, starting with a letter or underscore", token);
    }

    /// <summary>A whole number of at least <paramref name="minimum"/> (0 or 1) after <paramref name="option"/>.</summary>
    public int ExpectCount(string option, int minimum)
    {
        var wanted = minimum > 0 ? "a positive integer" : "an integer of 0 or more";
        var token = Take();
        var digits = token.TextIn(Text);
        if (token.Kind != SqlTokenKind.Number || !digits.All(char.IsAsciiDigit))
        {
            throw Error($"expected {wanted} after {option} but found {Describe(token)}", token);
        }

        if (!int.TryParse(digits, out var value))
        {
            throw Error($"{option} {Shown(digits)} is too large: at most {int.MaxValue}", token);
        }

        return value >= minimum ? value : throw Error($"{option} must be {wanted}, not {value}", token);
    }

    /// <summary>The end of the statement, after an optional ';'.</summary>
    public void ExpectEnd()
    {
        var semicolon = TakeIf(SqlTokenKind.Semicolon);
        var token = Peek;
        if (token.Kind != SqlTokenKind.End)
        {
            throw Error(
                semicolon
                    ? $"one statement is accepted here, but {Describe(token)} follows the ';'"
                    : $"unexpected {Describe(token)} after the end of the statement",
                token);
        }
    }

    /// <summary>The content of a quoted token (string or name), its doubled quotes made single.</summary>
    public string Unquoted(SqlToken token)
    {
        var quote = Text[token.Start];
        return Text[(token.Start + 1)..(token.End - 1)].Replace(new string(quote, 2), quote.ToString(), StringComparison.Ordinal);
    }

    public string Describe(SqlToken token) =>
        token.Kind == SqlTokenKind.End ? "the end of the statement" : $"'{Shown(token.TextIn(Text))}'";

    public StatementException Error(string problem, SqlToken at) => new(problem, Text, at.Start, at.Length);

    public StatementException ErrorAt(string problem, int position, int length = 1) => new(problem, Text, position, length);

    public static string Shown(string text) => text.Length > ShownLength ? text[..ShownLength] + "..." : text;

    // PostgreSQL folds only A-Z: a full Unicode lower-casing would turn the Kelvin sign into 'k' and accept a name PostgreSQL reads differently.
    private static string FoldCase(string word) => string.Create(word.Length, word, static (chars, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            chars[i] = char.IsAsciiLetterUpper(source[i]) ? (char)(source[i] + ('a' - 'A')) : source[i];
        }
    });
}
