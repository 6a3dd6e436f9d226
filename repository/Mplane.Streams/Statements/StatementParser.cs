namespace Mplane.Streams.Statements;

/// <summary>
/// Parses the stream statements of the TimeTrails model and splits scripts that mix them with
/// plain SQL. Keywords are case-insensitive; names are folded to lower case as PostgreSQL folds
/// them, and a "quoted name" is accepted only when it already is a plain lower-case name. A
/// statement is ours when its first words say so (<c>CREATE|ALTER|DROP STREAM</c>,
/// <c>START CONTINUOUS</c>, <c>STOP|PAUSE|RESUME</c>, <c>INSERT INTO name VALUES</c>); from
/// there on a mistake is an error, never plain SQL. Loops only: no input can exhaust the stack.
/// </summary>
public static class StatementParser
{
    /// <summary>The longest statement accepted (characters): 1 MB.</summary>
    public const int MaxStatementLength = 1 << 20;

    /// <summary>Parses one statement of ours, with an optional trailing ';'.</summary>
    /// <exception cref="StatementException">The text is not a statement of ours, or not a valid one.</exception>
    public static StreamStatement Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxStatementLength)
        {
            throw new StatementException($"the statement is longer than {MaxStatementLength} characters", text, MaxStatementLength);
        }

        var cursor = new TokenCursor(text);
        return ParseOurs(cursor) ?? throw NotOurs(cursor);
    }

    /// <summary>
    /// Splits <paramref name="script"/> into statements as psql does (see <see cref="ScriptSplitter"/>)
    /// and parses those of ours; the others come back with a null statement, as plain SQL for the
    /// caller to run. Each comes with its first line (1-based) and its text without the ';'.
    /// </summary>
    /// <exception cref="StatementException">
    /// A quote, comment or dollar-quoted text is never closed, a statement is longer than
    /// <see cref="MaxStatementLength"/>, or a statement of ours is not valid; the position is in the script.
    /// </exception>
    public static IReadOnlyList<(int Line, StreamStatement? Statement, string Text)> ParseScript(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var statements = new List<(int Line, StreamStatement? Statement, string Text)>();
        var line = 1;
        var counted = 0;
        foreach (var (start, end) in ScriptSplitter.Split(script))
        {
            line += script.AsSpan(counted, start - counted).Count('\n');
            counted = start;
            var text = script[start..end];
            try
            {
                statements.Add((line, ParseOurs(new TokenCursor(text)), text));
            }
            catch (StatementException e)
            {
                throw e.Within(script, start);
            }
        }

        return statements;
    }

    // The statement of ours that the first words announce, or null for plain SQL (nothing is read beyond those words then).
    private static StreamStatement? ParseOurs(TokenCursor cursor)
    {
        StreamStatement? statement =
            cursor.IsWordAt(1, "stream") && cursor.IsWordAt(0, "create") ? StreamTableParser.Create(cursor)
            : cursor.IsWordAt(1, "stream") && cursor.IsWordAt(0, "alter") ? StreamTableParser.Alter(cursor)
            : cursor.IsWordAt(1, "stream") && cursor.IsWordAt(0, "drop") ? StreamTableParser.Drop(cursor)
            : cursor.IsWordAt(0, "start") && cursor.IsWordAt(1, "continuous") ? ContinuousParser.Start(cursor)
            : cursor.IsWordAt(0, "stop") || cursor.IsWordAt(0, "pause") || cursor.IsWordAt(0, "resume") ? ContinuousParser.Command(cursor)
            : InsertParser.Recognises(cursor) ? InsertParser.Insert(cursor)
            : null;
        if (statement is not null)
        {
            cursor.ExpectEnd();
        }

        return statement;
    }

    private static StatementException NotOurs(TokenCursor cursor)
    {
        var first = cursor.Peek;
        if (first.Kind is SqlTokenKind.End or SqlTokenKind.Semicolon)
        {
            return cursor.Error("empty statement: expected a stream statement", first);
        }

        var start = cursor.Text[first.Start..Math.Min(cursor.Text.Length, first.Start + TokenCursor.ShownLength + 1)];
        return cursor.Error(
            $"not a stream statement: '{TokenCursor.Shown(start.ReplaceLineEndings(" "))}' (expected CREATE/ALTER/DROP STREAM TABLE, START/STOP/PAUSE/RESUME CONTINUOUS or INSERT INTO ... VALUES)",
            first);
    }
}
