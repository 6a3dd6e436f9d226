namespace Mplane.Streams.Statements;

/// <summary><c>INSERT INTO name VALUES ( ... ) {, ( ... )}</c> with literal values.</summary>
internal static class InsertParser
{
    /// <summary>PostgreSQL's limit on a table's columns, hence on a row's values.</summary>
    public const int MaxValuesPerRow = 1600;

    /// <summary>
    /// Whether the statement is ours: <c>INSERT INTO name VALUES</c>. Other inserts (a column list,
    /// a schema, <c>SELECT</c>, <c>DEFAULT VALUES</c>) are plain SQL.
    /// </summary>
    public static bool Recognises(TokenCursor cursor) =>
        cursor.IsWordAt(0, "insert")
        && cursor.IsWordAt(1, "into")
        && cursor.PeekAt(2).Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier
        && cursor.IsWordAt(3, "values");

    public static InsertInto Insert(TokenCursor cursor)
    {
        cursor.ExpectWord("insert", "at the start");
        cursor.ExpectWord("into", "after INSERT");
        var table = cursor.ExpectName("table");
        cursor.ExpectWord("values", "after the table's name");
        var first = ParenthesisedList.Read(cursor, "value", LiteralReader.Value, MaxValuesPerRow, allowEmpty: false);
        var last = first;
        while (cursor.TakeIf(SqlTokenKind.Comma))
        {
            last = ParenthesisedList.Read(cursor, "value", LiteralReader.Value, MaxValuesPerRow, allowEmpty: false);
            if (last.Items.Count != first.Items.Count)
            {
                throw cursor.Error(
                    $"this row has {last.Items.Count} values but the first has {first.Items.Count}: every row needs the same number",
                    last.Open);
            }
        }

        // From the first '(' to the last ')': no comment at either edge to swallow what the engine writes around the text.
        return new InsertInto(table, cursor.Text[first.Open.Start..last.Close.End]);
    }
}
