namespace Mplane.Streams.Statements;

/// <summary>Kinds of token in PostgreSQL's lexical structure, as far as splitting and our statements need them.</summary>
internal enum SqlTokenKind
{
    End,
    Word,
    QuotedIdentifier,
    String,
    EscapeString,
    DollarString,
    Number,
    Parameter,
    LeftParen,
    RightParen,
    Comma,
    Dot,
    Semicolon,
    Cast,
    Symbol,
}

/// <summary>A token: its kind and where it is in the text (<c>[Start, End)</c>); the text stays in the source.</summary>
internal readonly record struct SqlToken(SqlTokenKind Kind, int Start, int End)
{
    public int Length => End - Start;

    public string TextIn(string source) => source[Start..End];

    public bool IsWord(string source, string word) =>
        Kind == SqlTokenKind.Word && source.AsSpan(Start, Length).Equals(word, StringComparison.OrdinalIgnoreCase);
}
