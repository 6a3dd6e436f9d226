using Mplane.Streams.Statements;
using Mplane.Warehouse.Sql;

namespace Mplane.Streams.Tests;

public sealed class ScriptTests
{
    // The seed's worked example, with the stream table the reference note derives and a ';' inside the function's body.
    private const string SeedScript = """
        -- TimeTrails: the average of a sliding window
        CREATE STREAM TABLE inputStream (val INT) SET WINDOW 4 STRIDE 2;

        CREATE FUNCTION calculateAverage() RETURNS TABLE(calc double precision) AS $$
            -- calculate the average value of the window during execution; one statement
            SELECT AVG(val) FROM inputstream;
        $$ LANGUAGE sql;

        START CONTINUOUS FUNCTION calculateAverage() AS calcavg;

        INSERT INTO inputStream VALUES (33), (29), (30), (32);
        --The query was performed only once
        SELECT result FROM cquery.calcavg;
        INSERT INTO inputStream VALUES (30);
        """;

    [Fact]
    public void The_seeds_example_splits_into_its_statements_with_their_lines()
    {
        var statements = StatementParser.ParseScript(SeedScript);

        var inputstream = Identifier.Of("inputstream");
        Assert.Equal([2, 4, 9, 11, 13, 14], statements.Select(s => s.Line));
        Assert.Equal(new CreateStreamTable(inputstream, "val INT", 4, 2), statements[0].Statement);
        Assert.Null(statements[1].Statement);
        Assert.StartsWith("CREATE FUNCTION calculateAverage()", statements[1].Text, StringComparison.Ordinal);
        Assert.EndsWith("$$ LANGUAGE sql", statements[1].Text, StringComparison.Ordinal);
        Assert.Contains("SELECT AVG(val) FROM inputstream;\n", statements[1].Text, StringComparison.Ordinal);
        Assert.Equal(Identifier.Of("calcavg"), Assert.IsType<StartContinuous>(statements[2].Statement).Tag);
        Assert.Equal(new InsertInto(inputstream, "(33), (29), (30), (32)"), statements[3].Statement);
        Assert.Equal((13, (StreamStatement?)null, "SELECT result FROM cquery.calcavg"), statements[4]);
        Assert.Equal(new InsertInto(inputstream, "(30)"), statements[5].Statement);
        Assert.Equal("INSERT INTO inputStream VALUES (30)", statements[5].Text);
    }

    [Fact]
    public void Tagged_dollar_quotes_hold_other_dollar_quotes_and_semicolons()
    {
        const string Script = "CREATE FUNCTION f() RETURNS text AS $body$ SELECT $$;$$ || $x$ ; $x$; $body$ LANGUAGE sql;\nDROP STREAM TABLE s";

        var statements = StatementParser.ParseScript(Script);

        Assert.Equal(2, statements.Count);
        Assert.Equal("CREATE FUNCTION f() RETURNS text AS $body$ SELECT $$;$$ || $x$ ; $x$; $body$ LANGUAGE sql", statements[0].Text);
        Assert.Equal((2, (StreamStatement?)new DropStreamTable(Identifier.Of("s")), "DROP STREAM TABLE s"), statements[1]);
    }

    [Fact]
    public void Quotes_and_comments_hide_semicolons()
    {
        const string Script = """
            -- a comment; with a semicolon
            /* a block; /* nested; */ still a comment; */ SELECT 'a;b', "c;d", E'it\'s; here', 'x'';y' FROM t -- trailing;
            ; ; ;
            STOP ALL CONTINUOUS
            """;

        var statements = StatementParser.ParseScript(Script);

        Assert.Equal(2, statements.Count);
        Assert.Equal((2, (StreamStatement?)null, """SELECT 'a;b', "c;d", E'it\'s; here', 'x'';y' FROM t"""), statements[0]);
        Assert.Equal(4, statements[1].Line);
        Assert.Equal(new ContinuousCommand(ContinuousAction.Stop, null, null), statements[1].Statement);
    }

    [Fact]
    public void Semicolons_inside_parentheses_and_routine_bodies_do_not_split_as_psql_does()
    {
        const string Script = """
            CREATE OR REPLACE PROCEDURE p() LANGUAGE sql
            BEGIN ATOMIC
              INSERT INTO t VALUES (1);
              SELECT CASE WHEN true THEN 1 END;
            END;
            BEGIN;
            SELECT (1; 2);
            COMMIT
            """;

        var statements = StatementParser.ParseScript(Script);

        Assert.Equal([1, 6, 7, 8], statements.Select(s => s.Line));
        Assert.EndsWith("END;\nEND", statements[0].Text, StringComparison.Ordinal);
        Assert.Equal(["BEGIN", "SELECT (1; 2)", "COMMIT"], statements.Skip(1).Select(s => s.Text));
        Assert.All(statements, s => Assert.Null(s.Statement));
    }

    [Fact]
    public void A_case_outside_a_routine_body_does_not_hold_the_semicolon()
    {
        var statements = StatementParser.ParseScript("SELECT CASE WHEN x THEN 1 END; CREATE FUNCTION f() RETURNS int RETURN CASE WHEN true THEN 1 END; SELECT 2");

        Assert.Equal(3, statements.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n\t")]
    [InlineData("-- only a comment\n/* and ; another */")]
    [InlineData(";;\n;")]
    public void Scripts_without_statements_give_none(string script) => Assert.Empty(StatementParser.ParseScript(script));

    [Fact]
    public void Lines_count_crlf_and_statements_sharing_a_line()
    {
        var statements = StatementParser.ParseScript("SELECT 1;\r\n\r\nSELECT 2; SELECT 3;\r\nPAUSE ALL CONTINUOUS\r\n");

        Assert.Equal([1, 3, 3, 4], statements.Select(s => s.Line));
        Assert.Equal(["SELECT 1", "SELECT 2", "SELECT 3", "PAUSE ALL CONTINUOUS"], statements.Select(s => s.Text));
    }

    [Fact]
    public void An_error_in_a_statement_of_ours_is_placed_in_the_script()
    {
        const string Script = "SELECT 1;\n\n  DROP STREAM TABLE \"Bad\";\nSELECT 2;";

        var error = Assert.Throws<StatementException>(() => StatementParser.ParseScript(Script));

        Assert.Equal(Script.IndexOf("\"Bad\"", StringComparison.Ordinal), error.Position);
        Assert.Equal((3, 21), (error.Line, error.Column));
        Assert.Contains("stream table name 'Bad' is not allowed", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(at line 3, column 21)\n    DROP STREAM TABLE \"Bad\";\n" + new string(' ', 22) + "^^^^^", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT 1;\nSELECT 'open;\nSELECT 2;", "unterminated string: the ' is never closed", 2, 8)]
    [InlineData("SELECT \"open;", "unterminated quoted name", 1, 8)]
    [InlineData("SELECT 1; /* open /* nested */ ;", "unterminated comment", 1, 11)]
    [InlineData("CREATE FUNCTION f() AS $body$ SELECT 1; $$;\n", "unterminated dollar-quoted text: $body$ is never closed", 1, 24)]
    [InlineData("START CONTINUOUS FUNCTION f();\nSTART CONTINUOUS FUNCTION f() WITH CYCLES 0;", "CYCLES must be a positive integer, not 0", 2, 43)]
    [InlineData("SELECT 1;\nCREATE STREAM TABLE s (a int) SET WINDOW 2 STRIDE 3;", "the stride cannot be larger than the window", 2, 51)]
    [InlineData("START CONTINUOUS FUNCTION f() START CONTINUOUS FUNCTION g()", "unexpected 'START' after the end of the statement", 1, 31)]
    public void Broken_scripts_are_refused_at_their_line_and_column(string script, string problem, int line, int column)
    {
        var error = Assert.Throws<StatementException>(() => StatementParser.ParseScript(script));

        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
    }
}
