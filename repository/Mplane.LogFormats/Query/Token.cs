namespace Mplane.LogFormats.Query;

/// <summary>Kinds of token in a filter expression.</summary>
internal enum TokenKind
{
    End,
    Identifier,
    Number,
    String,
    Address,
    Operator,
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    Comma,
}

/// <summary>A token with its text and its place in the expression.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Position)
{
    public bool Is(TokenKind kind, string text) => Kind == kind && Text == text;

    public bool IsWord(string word) => Kind == TokenKind.Identifier && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);
}
