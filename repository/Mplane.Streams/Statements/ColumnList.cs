namespace Mplane.Streams.Statements;

/// <summary>
/// The column list of <c>CREATE STREAM TABLE</c>: the text between '(' and its matching ')', kept
/// as written for the engine to place in a <c>CREATE TABLE</c>. Only what keeps that text inside
/// its parentheses is checked here (balanced, bounded nesting, no ';'); PostgreSQL judges the
/// columns themselves.
/// </summary>
internal static class ColumnList
{
    /// <summary>How deep parentheses may nest in a column list (types, defaults and checks need a few levels).</summary>
    public const int MaxNesting = 32;

    public static string Read(TokenCursor cursor)
    {
        var open = cursor.Expect(SqlTokenKind.LeftParen, "'(' and the column list");
        SqlToken? first = null;
        var last = open;
        var depth = 1;
        while (true)
        {
            var token = cursor.Take();
            switch (token.Kind)
            {
                case SqlTokenKind.End:
                    throw cursor.Error("the column list's '(' is never closed", open);
                case SqlTokenKind.LeftParen when ++depth > MaxNesting:
                    throw cursor.Error($"parentheses in the column list nest deeper than {MaxNesting}", token);
                case SqlTokenKind.RightParen when --depth == 0:
                    return first is { } from
                        ? Checked(cursor, from.Start, last.End)
                        : throw cursor.Error("a stream table needs at least one column", token);
            }

            first ??= token;
            last = token;
        }
    }

    // From the first token to the last, so that a trailing '-- comment' cannot swallow the ')' the engine writes after it.
    private static string Checked(TokenCursor cursor, int start, int end)
    {
        var semicolon = cursor.Text.IndexOf(';', start, end - start);
        return semicolon < 0
            ? cursor.Text[start..end]
            : throw cursor.ErrorAt("';' is not allowed in the column list: it is placed in a statement sent to PostgreSQL", semicolon);
    }
}
