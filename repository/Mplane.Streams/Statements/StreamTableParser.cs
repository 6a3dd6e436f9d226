using Mplane.Warehouse.Sql;

namespace Mplane.Streams.Statements;

/// <summary><c>CREATE</c>, <c>ALTER</c> and <c>DROP STREAM TABLE</c>.</summary>
internal static class StreamTableParser
{
    /// <summary>The seed's reason for refusing a stride larger than the window.</summary>
    public const string StrideLargerThanWindow = "the stride cannot be larger than the window: tuples would be received but never processed";

    private static readonly string[] Properties = ["window", "stride"];

    public static CreateStreamTable Create(TokenCursor cursor)
    {
        var name = Head(cursor, "create");
        var columns = ColumnList.Read(cursor);
        int? window = null;
        int? stride = null;
        var strideToken = cursor.Peek;
        if (cursor.TakeWord("set"))
        {
            OptionList.Read(cursor, "SET", Properties, index =>
            {
                if (index == 0)
                {
                    window = WindowValue(cursor);
                }
                else
                {
                    strideToken = cursor.Peek;
                    stride = StrideValue(cursor);
                }
            });
        }

        if (stride > window)
        {
            throw cursor.Error($"{StrideLargerThanWindow} (STRIDE {stride}, WINDOW {window})", strideToken);
        }

        return new CreateStreamTable(name, columns, window, stride);
    }

    // One property at a time, as the seed writes it: the engine checks the new value against the other, which it holds.
    public static AlterStreamTable Alter(TokenCursor cursor)
    {
        var name = Head(cursor, "alter");
        cursor.ExpectWord("set", "after the stream table's name");
        var property = cursor.Peek;
        var statement = cursor.TakeWord("window") ? new AlterStreamTable(name, WindowValue(cursor), null)
            : cursor.TakeWord("stride") ? new AlterStreamTable(name, null, StrideValue(cursor))
            : throw cursor.Error($"expected WINDOW or STRIDE after SET but found {cursor.Describe(property)}", property);
        var extra = cursor.Peek;
        if (Properties.Any(p => extra.IsWord(cursor.Text, p)))
        {
            throw cursor.Error("ALTER STREAM TABLE sets one property: write one statement for WINDOW and one for STRIDE", extra);
        }

        return statement;
    }

    public static DropStreamTable Drop(TokenCursor cursor) => new(Head(cursor, "drop"));

    private static Identifier Head(TokenCursor cursor, string verb)
    {
        cursor.ExpectWord(verb, "at the start");
        cursor.ExpectWord("stream", $"after {verb.ToUpperInvariant()}");
        cursor.ExpectWord("table", "after STREAM");
        return cursor.ExpectName("stream table");
    }

    private static int WindowValue(TokenCursor cursor) => cursor.ExpectCount("WINDOW", 1);

    private static int StrideValue(TokenCursor cursor) => cursor.ExpectCount("STRIDE", 0);
}
