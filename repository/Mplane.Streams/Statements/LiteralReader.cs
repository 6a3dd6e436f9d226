namespace Mplane.Streams.Statements;

/// <summary>
/// The literals our statements accept. Arguments and values are handed to PostgreSQL as written,
/// so only plain literals pass: a number (with an optional sign written next to it), a
/// <c>'string'</c> with <c>''</c> for a quote, <c>true</c>, <c>false</c>, <c>null</c>, and in
/// values also <c>timestamp '…'</c>, <c>date '…'</c>, <c>time '…'</c>. No expression, call,
/// cast or subquery, and no <c>;</c> even inside a string: the text then cannot end a statement
/// early whatever the server's string settings.
/// </summary>
internal static class LiteralReader
{
    private static readonly string[] Constants = ["true", "false", "null"];
    private static readonly string[] TypedLiterals = ["timestamp", "date", "time"];

    /// <summary>An argument of a continuous query's routine: its literal text as written.</summary>
    public static string Argument(TokenCursor cursor) =>
        Plain(cursor) ?? throw Expected(cursor, "an argument: a number, a 'string', true, false or null");

    /// <summary>A value of an inserted row: its literal text as written.</summary>
    public static string Value(TokenCursor cursor)
    {
        if (Plain(cursor) is { } plain)
        {
            return plain;
        }

        var type = cursor.Peek;
        if (!TypedLiterals.Any(t => type.IsWord(cursor.Text, t)))
        {
            throw Expected(cursor, "a value: a number, a 'string', true, false, null, or timestamp/date/time '...'");
        }

        cursor.Take();
        var quoted = QuotedText(cursor, $"a quoted value after {type.TextIn(cursor.Text)}");
        return cursor.Text[type.Start..quoted.End];
    }

    /// <summary>A <c>CLOCK</c> literal: <c>timestamp '…'</c>, <c>date '…'</c>, <c>time '…'</c> or an integer of Unix milliseconds.</summary>
    public static ClockValue Clock(TokenCursor cursor)
    {
        var token = cursor.Peek;
        var kind = token.IsWord(cursor.Text, "timestamp") ? ClockKind.Timestamp
            : token.IsWord(cursor.Text, "date") ? ClockKind.Date
            : token.IsWord(cursor.Text, "time") ? ClockKind.Time
            : token.Kind == SqlTokenKind.Number ? ClockKind.UnixMs
            : throw Expected(cursor, "a CLOCK literal: timestamp '...', date '...', time '...' or Unix milliseconds");
        cursor.Take();
        var valueToken = kind == ClockKind.UnixMs ? token : QuotedText(cursor, $"a quoted value after {token.TextIn(cursor.Text)}");
        var text = kind == ClockKind.UnixMs ? token.TextIn(cursor.Text) : cursor.Unquoted(valueToken);
        return ClockValue.IsValid(kind, text)
            ? new ClockValue(kind, text)
            : throw cursor.Error(ClockValue.Expected(kind, text), valueToken);
    }

    // A number, string or constant, or null when the next token starts none of them (nothing is taken then).
    private static string? Plain(TokenCursor cursor)
    {
        var token = cursor.Peek;
        if (token.Kind == SqlTokenKind.String)
        {
            CheckNoSemicolon(cursor, token);
            return cursor.Take().TextIn(cursor.Text);
        }

        if (token.Kind == SqlTokenKind.Number || Constants.Any(c => token.IsWord(cursor.Text, c)))
        {
            return cursor.Take().TextIn(cursor.Text);
        }

        var number = cursor.PeekAt(1);
        if (token.Kind == SqlTokenKind.Symbol && cursor.Text[token.Start] is '-' or '+'
            && number.Kind == SqlTokenKind.Number && number.Start == token.End)
        {
            cursor.Take();
            cursor.Take();
            return cursor.Text[token.Start..number.End];
        }

        return null;
    }

    private static SqlToken QuotedText(TokenCursor cursor, string expected)
    {
        var token = cursor.Expect(SqlTokenKind.String, expected);
        CheckNoSemicolon(cursor, token);
        return token;
    }

    private static void CheckNoSemicolon(TokenCursor cursor, SqlToken token)
    {
        var semicolon = cursor.Text.IndexOf(';', token.Start, token.Length);
        if (semicolon >= 0)
        {
            throw cursor.ErrorAt("';' is not allowed in a literal here: the text is passed to PostgreSQL as written", semicolon);
        }
    }

    private static StatementException Expected(TokenCursor cursor, string what)
    {
        var token = cursor.Peek;
        var hint = token.Kind == SqlTokenKind.EscapeString ? " (E'...' strings are not accepted: write '...' with '' for a quote)" : string.Empty;
        return cursor.Error($"expected {what} but found {cursor.Describe(token)}{hint}", token);
    }
}
