using Mplane.Streams.Statements;
using Mplane.Warehouse.Sql;

namespace Mplane.Streams.Tests;

public sealed class StreamTableTests
{
    private static readonly Identifier S = Identifier.Of("s");

    [Fact]
    public void The_seeds_stream_table_is_created_with_window_and_stride()
    {
        var statement = StatementParser.Parse("CREATE STREAM TABLE inputStream (val INT) SET WINDOW 4 STRIDE 2;");

        Assert.Equal(new CreateStreamTable(Identifier.Of("inputstream"), "val INT", 4, 2), statement);
    }

    [Theory]
    [InlineData("CREATE STREAM TABLE s (a int, b text)", null, null)]
    [InlineData("create stream table s (a int, b text) set window 3", 3, null)]
    [InlineData("cReAtE sTrEaM tAbLe S (a int, b text) SeT sTrIdE 0", null, 0)]
    [InlineData("CREATE STREAM TABLE s (a int, b text) SET STRIDE 2 WINDOW 4", 4, 2)]
    [InlineData("CREATE STREAM TABLE s (a int, b text) SET WINDOW 5 STRIDE 5", 5, 5)]
    [InlineData("CREATE STREAM TABLE \"s\"\n(a int, b text)\nSET WINDOW 1 STRIDE 0 ;", 1, 0)]
    public void Window_and_stride_are_optional_and_in_any_order(string text, int? window, int? stride) =>
        Assert.Equal(new CreateStreamTable(S, "a int, b text", window, stride), StatementParser.Parse(text));

    [Fact]
    public void The_column_list_is_kept_as_written_between_its_first_and_last_token()
    {
        const string Columns = "v numeric(10, 2) DEFAULT 1.5 /* ( */, t text CHECK (t <> ')'), \"Odd\" int";
        var statement = (CreateStreamTable)StatementParser.Parse($"CREATE STREAM TABLE s (  {Columns} -- a comment )\n)");

        Assert.Equal(Columns, statement.Columns);
    }

    [Theory]
    [InlineData("ALTER STREAM TABLE s SET WINDOW 10", 10, null)]
    [InlineData("alter stream table S set stride 0;", null, 0)]
    [InlineData("Alter Stream Table s Set Stride 7", null, 7)]
    public void Alter_sets_one_property(string text, int? window, int? stride) =>
        Assert.Equal(new AlterStreamTable(S, window, stride), StatementParser.Parse(text));

    [Theory]
    [InlineData("DROP STREAM TABLE s")]
    [InlineData("drop stream table S ;")]
    [InlineData("  DROP /* why */ STREAM TABLE \"s\"  -- gone\n")]
    public void Drop_names_the_table(string text) => Assert.Equal(new DropStreamTable(S), StatementParser.Parse(text));

    [Fact]
    public void A_stride_larger_than_the_window_is_refused_with_the_seeds_reason()
    {
        const string Text = "CREATE STREAM TABLE s (a int) SET WINDOW 4 STRIDE 5";
        var error = Refusal.Assert(Text, "the stride cannot be larger than the window: tuples would be received but never processed", "5");

        Assert.Contains("STRIDE 5, WINDOW 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_message_names_the_problem_and_column_and_points_at_the_text()
    {
        var error = Assert.Throws<StatementException>(() => StatementParser.Parse("ALTER STREAM TABLE s SET WINDOW 2147483648"));

        Assert.Equal(
            "WINDOW 2147483648 is too large: at most 2147483647 (at column 33)\n  ALTER STREAM TABLE s SET WINDOW 2147483648\n" + new string(' ', 34) + "^^^^^^^^^^",
            error.Message);
        Assert.Equal((32, 1, 33, 10), (error.Position, error.Line, error.Column, error.Length));
    }

    [Theory]
    [InlineData("CREATE STREAM TABLE s (a int) SET WINDOW 0", "WINDOW must be a positive integer, not 0", "0")]
    [InlineData("CREATE STREAM TABLE s (a int) SET WINDOW -1", "expected a positive integer after WINDOW but found '-'", "-")]
    [InlineData("CREATE STREAM TABLE s (a int) SET WINDOW 2.5", "expected a positive integer after WINDOW but found '2.5'", "2.5")]
    [InlineData("CREATE STREAM TABLE s (a int) SET STRIDE x", "expected an integer of 0 or more after STRIDE but found 'x'", "x")]
    [InlineData("CREATE STREAM TABLE s (a int) SET WINDOW 99999999999", "WINDOW 99999999999 is too large: at most 2147483647", "99")]
    [InlineData("CREATE STREAM TABLE s (a int) SET", "expected WINDOW or STRIDE after SET but found the end of the statement", null)]
    [InlineData("CREATE STREAM TABLE s (a int) SET HEARTBEAT 5", "expected WINDOW or STRIDE after SET but found 'HEARTBEAT'", "HEARTBEAT")]
    [InlineData("CREATE STREAM TABLE s (a int) SET WINDOW 4 STRIDE 1 WINDOW 5", "WINDOW is given twice", "WINDOW 5")]
    [InlineData("CREATE STREAM TABLE s (a int) SET WINDOW 4 extra", "unexpected 'extra' after the end of the statement", "extra")]
    [InlineData("CREATE STREAM TABLE s ()", "a stream table needs at least one column", ")")]
    [InlineData("CREATE STREAM TABLE s (a int", "the column list's '(' is never closed", "(")]
    [InlineData("CREATE STREAM TABLE s (a numeric(10, 2)", "the column list's '(' is never closed", "(")]
    [InlineData("CREATE STREAM TABLE s a int", "expected '(' and the column list but found 'a'", "a ")]
    [InlineData("CREATE STREAM TABLE public.s (a int)", "expected '(' and the column list but found '.'", ".")]
    [InlineData("CREATE STREAM TABLE (a int)", "expected the stream table's name but found '('", "(")]
    [InlineData("CREATE STREAM TABLE \"S\" (a int)", "stream table name 'S' is not allowed", "\"S\"")]
    [InlineData("CREATE STREAM TABLE 1s (a int)", "expected the stream table's name but found '1'", "1s")]
    [InlineData("CREATE STREAM s (a int)", "expected TABLE after STREAM but found 's'", "s (")]
    [InlineData("ALTER STREAM TABLE s SET WINDOW 4 STRIDE 2", "ALTER STREAM TABLE sets one property", "STRIDE")]
    [InlineData("ALTER STREAM TABLE s WINDOW 4", "expected SET after the stream table's name but found 'WINDOW'", "WINDOW")]
    [InlineData("ALTER STREAM TABLE s SET CYCLES 4", "expected WINDOW or STRIDE after SET but found 'CYCLES'", "CYCLES")]
    [InlineData("ALTER STREAM TABLE s SET WINDOW 0", "WINDOW must be a positive integer, not 0", "0")]
    [InlineData("ALTER STREAM TABLE s SET", "expected WINDOW or STRIDE after SET but found the end of the statement", null)]
    [InlineData("DROP STREAM TABLE s, t", "unexpected ',' after the end of the statement", ",")]
    [InlineData("DROP STREAM TABLE", "expected the stream table's name but found the end of the statement", null)]
    public void Malformed_stream_table_statements_are_refused_where_they_go_wrong(string text, string problem, string? at) =>
        Refusal.Assert(text, problem, at);
}
