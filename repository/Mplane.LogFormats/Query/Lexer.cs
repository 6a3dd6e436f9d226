using System.Text;

namespace Mplane.LogFormats.Query;

/// <summary>Splits a filter expression into tokens.</summary>
internal static class Lexer
{
    private static readonly string[] Operators = ["==", "!=", "<=", ">=", "&&", "||", "=~", "!~", "<", ">", "!", "~"];

    public static List<Token> Tokenize(string expression)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < expression.Length && char.IsWhiteSpace(expression[i]))
            {
                i++;
            }

            if (i >= expression.Length)
            {
                tokens.Add(new Token(TokenKind.End, string.Empty, i));
                return tokens;
            }

            var c = expression[i];
            var start = i;
            if (c is '"' or '\'')
            {
                tokens.Add(new Token(TokenKind.String, ReadString(expression, ref i), start));
            }
            else if (char.IsAsciiDigit(c) || (c == '-' && i + 1 < expression.Length && char.IsAsciiDigit(expression[i + 1])))
            {
                i++;
                while (i < expression.Length && (char.IsAsciiLetterOrDigit(expression[i]) || expression[i] is '.' or ':' or '/' or '+' or '-')
                       && !(expression[i] is '+' or '-' && !(expression[i - 1] is 'e' or 'E')))
                {
                    i++;
                }

                var text = expression[start..i];
                var kind = text.Contains(':') || text.Contains('/') || text.Count(ch => ch == '.') >= 2 ? TokenKind.Address : TokenKind.Number;
                tokens.Add(new Token(kind, text, start));
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < expression.Length && (char.IsAsciiLetterOrDigit(expression[i]) || expression[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Identifier, expression[start..i], start));
            }
            else
            {
                var single = c switch
                {
                    '(' => TokenKind.LeftParen,
                    ')' => TokenKind.RightParen,
                    '{' or '[' => TokenKind.LeftBrace,
                    '}' or ']' => TokenKind.RightBrace,
                    ',' => TokenKind.Comma,
                    _ => TokenKind.End,
                };
                if (single != TokenKind.End)
                {
                    tokens.Add(new Token(single, c.ToString(), start));
                    i++;
                    continue;
                }

                var op = Operators.FirstOrDefault(o => string.CompareOrdinal(expression, i, o, 0, o.Length) == 0)
                    ?? throw new FilterException($"unexpected character '{c}'", expression, i);
                tokens.Add(new Token(TokenKind.Operator, op, start));
                i += op.Length;
            }
        }
    }

    private static string ReadString(string expression, ref int i)
    {
        var quote = expression[i];
        var start = i++;
        var text = new StringBuilder();
        while (i < expression.Length && expression[i] != quote)
        {
            if (expression[i] == '\\' && i + 1 < expression.Length)
            {
                i++;
            }

            text.Append(expression[i++]);
        }

        if (i >= expression.Length)
        {
            throw new FilterException("unterminated string", expression, start, expression.Length - start);
        }

        i++;
        return text.ToString();
    }
}
