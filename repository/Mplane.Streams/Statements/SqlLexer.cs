namespace Mplane.Streams.Statements;

/// <summary>
/// Reads PostgreSQL's lexical structure one token at a time, skipping white space and comments:
/// <c>'strings'</c> with <c>''</c>, <c>E'escape strings'</c> with backslashes, <c>"quoted names"</c>,
/// <c>$tag$dollar-quoted text$tag$</c>, <c>-- line</c> and nested <c>/* block */</c> comments.
/// It accepts any SQL (it never judges a token), so that plain statements in a script are split
/// where PostgreSQL would split them; only unterminated quotes and comments are errors. Loops
/// only, no recursion: nested comments are counted.
/// </summary>
internal sealed class SqlLexer(string text)
{
    private int _i;

    public SqlToken Next()
    {
        SkipSpaceAndComments();
        if (_i >= text.Length)
        {
            return new SqlToken(SqlTokenKind.End, text.Length, text.Length);
        }

        var start = _i;
        var c = text[_i];
        var kind = c switch
        {
            '\'' => ReadQuoted('\'', backslashEscapes: false, "string", SqlTokenKind.String),
            '"' => ReadQuoted('"', backslashEscapes: false, "quoted name", SqlTokenKind.QuotedIdentifier),
            '$' => ReadDollar(),
            '(' => Single(SqlTokenKind.LeftParen),
            ')' => Single(SqlTokenKind.RightParen),
            ',' => Single(SqlTokenKind.Comma),
            ';' => Single(SqlTokenKind.Semicolon),
            ':' when At(_i + 1) == ':' => Advance(2, SqlTokenKind.Cast),
            '.' when char.IsAsciiDigit(At(_i + 1)) => ReadNumber(),
            '.' => Single(SqlTokenKind.Dot),
            _ when char.IsAsciiDigit(c) => ReadNumber(),
            _ when char.IsLetter(c) || c == '_' => ReadWord(),
            _ => Single(SqlTokenKind.Symbol),
        };
        return new SqlToken(kind, start, _i);
    }

    private char At(int index) => index < text.Length ? text[index] : '\0';

    private SqlTokenKind Single(SqlTokenKind kind) => Advance(1, kind);

    private SqlTokenKind Advance(int count, SqlTokenKind kind)
    {
        _i += count;
        return kind;
    }

    private void SkipSpaceAndComments()
    {
        while (_i < text.Length)
        {
            if (char.IsWhiteSpace(text[_i]))
            {
                _i++;
            }
            else if (text[_i] == '-' && At(_i + 1) == '-')
            {
                var newline = text.IndexOf('\n', _i);
                _i = newline < 0 ? text.Length : newline + 1;
            }
            else if (text[_i] == '/' && At(_i + 1) == '*')
            {
                SkipBlockComment();
            }
            else
            {
                return;
            }
        }
    }

    // PostgreSQL nests block comments: /* a /* b */ still a comment */.
    private void SkipBlockComment()
    {
        var start = _i;
        var depth = 0;
        while (_i < text.Length)
        {
            if (text[_i] == '/' && At(_i + 1) == '*')
            {
                depth++;
                _i += 2;
            }
            else if (text[_i] == '*' && At(_i + 1) == '/')
            {
                _i += 2;
                if (--depth == 0)
                {
                    return;
                }
            }
            else
            {
                _i++;
            }
        }

        throw new StatementException("unterminated comment: '/*' is never closed by '*/'", text, start, 2);
    }

    private SqlTokenKind ReadQuoted(char quote, bool backslashEscapes, string what, SqlTokenKind kind)
    {
        var start = _i++;
        while (_i < text.Length)
        {
            var c = text[_i++];
            if (backslashEscapes && c == '\\')
            {
                _i++;
            }
            else if (c == quote)
            {
                if (At(_i) != quote)
                {
                    return kind;
                }

                _i++;
            }
        }

        _i = text.Length;
        throw new StatementException($"unterminated {what}: the {quote} is never closed", text, start);
    }

    private SqlTokenKind ReadWord()
    {
        var start = _i;
        while (_i < text.Length && (char.IsLetterOrDigit(text[_i]) || text[_i] is '_' or '$'))
        {
            _i++;
        }

        // E'...' is an escape string, where \' does not end the text.
        if (_i - start == 1 && text[start] is 'e' or 'E' && At(_i) == '\'')
        {
            ReadQuoted('\'', backslashEscapes: true, "string", SqlTokenKind.EscapeString);
            return SqlTokenKind.EscapeString;
        }

        return SqlTokenKind.Word;
    }

    private SqlTokenKind ReadNumber()
    {
        SkipDigits();
        if (At(_i) == '.' && At(_i + 1) != '.')
        {
            _i++;
            SkipDigits();
        }

        var sign = At(_i + 1) is '+' or '-' ? 1 : 0;
        if (At(_i) is 'e' or 'E' && char.IsAsciiDigit(At(_i + 1 + sign)))
        {
            _i += 1 + sign;
            SkipDigits();
        }

        return SqlTokenKind.Number;
    }

    private void SkipDigits()
    {
        while (char.IsAsciiDigit(At(_i)))
        {
            _i++;
        }
    }

    // $1 is a parameter; $$ and $tag$ open dollar-quoted text that only the same delimiter closes.
    private SqlTokenKind ReadDollar()
    {
        var start = _i;
        if (char.IsAsciiDigit(At(_i + 1)))
        {
            _i++;
            SkipDigits();
            return SqlTokenKind.Parameter;
        }

        var tagEnd = _i + 1;
        if (char.IsLetter(At(tagEnd)) || At(tagEnd) == '_')
        {
            while (char.IsLetterOrDigit(At(tagEnd)) || At(tagEnd) == '_')
            {
                tagEnd++;
            }
        }

        if (At(tagEnd) != '$')
        {
            return Single(SqlTokenKind.Symbol);
        }

        var delimiter = text[start..(tagEnd + 1)];
        var close = text.IndexOf(delimiter, tagEnd + 1, StringComparison.Ordinal);
        if (close < 0)
        {
            _i = text.Length;
            throw new StatementException($"unterminated dollar-quoted text: {delimiter} is never closed", text, start, delimiter.Length);
        }

        _i = close + delimiter.Length;
        return SqlTokenKind.DollarString;
    }
}
