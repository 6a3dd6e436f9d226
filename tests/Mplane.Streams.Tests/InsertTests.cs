using Mplane.Streams.Statements;
using Mplane.Warehouse.Sql;

namespace Mplane.Streams.Tests;

public sealed class InsertTests
{
    [Fact]
    public void The_seeds_inserts_keep_their_rows_as_written()
    {
        var statement = StatementParser.Parse("INSERT INTO inputStream VALUES (33), (29), (30), (32);");

        Assert.Equal(new InsertInto(Identifier.Of("inputstream"), "(33), (29), (30), (32)"), statement);
    }

    [Fact]
    public void Values_are_literals_and_typed_literals()
    {
        const string Values = "(1, 'a''b', true, NULL, -3.5e2, timestamp '2017-08-29 15:05:40', date '2017-08-29', TIME '15:05', '')";
        var statement = StatementParser.Parse($"insert into S values {Values}");

        Assert.Equal(new InsertInto(Identifier.Of("s"), Values), statement);
    }

    [Fact]
    public void Comments_between_rows_stay_and_comments_at_the_edges_go()
    {
        var statement = (InsertInto)StatementParser.Parse("INSERT INTO s VALUES /* first */ (1) -- one\n, (2) -- last row, then nothing");

        Assert.Equal("(1) -- one\n, (2)", statement.Values);
    }

    [Theory]
    [InlineData("INSERT INTO s VALUES (now())", "expected a value: a number, a 'string', true, false, null, or timestamp/date/time '...' but found 'now'", "now")]
    [InlineData("INSERT INTO s VALUES ((SELECT secret FROM t))", "expected a value", "(SELECT")]
    [InlineData("INSERT INTO s VALUES (1, (2))", "expected a value", "(2")]
    [InlineData("INSERT INTO s VALUES (1), (1, 2)", "this row has 2 values but the first has 1: every row needs the same number", "(", 1)]
    [InlineData("INSERT INTO s VALUES ()", "expected at least one value in the parentheses", ")")]
    [InlineData("INSERT INTO s VALUES", "expected '(' before the values but found the end of the statement", null)]
    [InlineData("INSERT INTO s VALUES 1", "expected '(' before the values but found '1'", "1")]
    [InlineData("INSERT INTO s VALUES (1),", "expected '(' before the values but found the end of the statement", null)]
    [InlineData("INSERT INTO s VALUES (1) (2)", "unexpected '(' after the end of the statement", "(", 1)]
    [InlineData("INSERT INTO s VALUES (1::int)", "expected ',' or ')' after the value but found '::'", "::")]
    [InlineData("INSERT INTO s VALUES (1 + 2)", "expected ',' or ')' after the value but found '+'", "+")]
    [InlineData("INSERT INTO s VALUES (interval '1 day')", "but found 'interval'", "interval")]
    [InlineData("INSERT INTO s VALUES (timestamp now())", "expected a quoted value after timestamp but found 'now'", "now")]
    [InlineData("INSERT INTO s VALUES (DEFAULT)", "but found 'DEFAULT'", "DEFAULT")]
    [InlineData("INSERT INTO s VALUES (E'\\x41')", "E'...' strings are not accepted", "E'")]
    [InlineData("INSERT INTO s VALUES ('a;b')", "';' is not allowed in a literal here: the text is passed to PostgreSQL as written", ";")]
    [InlineData("INSERT INTO s VALUES (date 'x;y')", "';' is not allowed in a literal here", ";")]
    [InlineData("INSERT INTO s VALUES (1) RETURNING *", "unexpected 'RETURNING' after the end of the statement", "RETURNING")]
    [InlineData("INSERT INTO \"S\" VALUES (1)", "table name 'S' is not allowed", "\"S\"")]
    public void Anything_but_rows_of_literals_is_refused(string text, string problem, string? at, int skip = 0) =>
        Refusal.Assert(text, problem, at, skip);

    [Theory]
    [InlineData("INSERT INTO s (a) VALUES (1)")]
    [InlineData("INSERT INTO public.s VALUES (1)")]
    [InlineData("INSERT INTO s SELECT 1")]
    [InlineData("INSERT INTO s DEFAULT VALUES")]
    public void Other_inserts_are_plain_sql(string text)
    {
        Refusal.Assert(text, "not a stream statement: 'INSERT INTO", "INSERT");
        Assert.Null(Assert.Single(StatementParser.ParseScript(text)).Statement);
    }
}
