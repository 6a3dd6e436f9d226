using Mplane.Streams.Statements;

namespace Mplane.Streams.Tests;

public sealed class HostileInputTests
{
    [Theory]
    [InlineData("DROP STREAM TABLE \"s\"\"; DROP TABLE mplane.tables; --\"", "stream table name 's\"; DROP TABLE mplane.tables; --' is not allowed", "\"s")]
    [InlineData("DROP STREAM TABLE s; DROP TABLE mplane.tables", "one statement is accepted here, but 'DROP' follows the ';'", "DROP", 1)]
    [InlineData("CREATE STREAM TABLE s (a int); DROP TABLE x; --)", "one statement is accepted here, but 'DROP' follows the ';'", "DROP")]
    [InlineData("CREATE STREAM TABLE s (a int DEFAULT ';')", "';' is not allowed in the column list", ";")]
    [InlineData("CREATE STREAM TABLE s (a int /* ; */, b int)", "';' is not allowed in the column list", ";")]
    [InlineData("CREATE STREAM TABLE s (a text DEFAULT $$;$$)", "';' is not allowed in the column list", ";")]
    [InlineData("CREATE STREAM TABLE s (a int) SET WINDOW 4; DROP TABLE x", "one statement is accepted here", "DROP")]
    [InlineData("INSERT INTO s VALUES (1); DELETE FROM t", "one statement is accepted here, but 'DELETE' follows the ';'", "DELETE")]
    [InlineData("INSERT INTO s VALUES ('\\''); DROP TABLE t; --')", "';' is not allowed in a literal here", ";")]
    [InlineData("INSERT INTO s VALUES (1), ((SELECT pg_sleep(10)))", "expected a value", "(SELECT")]
    [InlineData("START CONTINUOUS FUNCTION f('x'); DROP TABLE t", "one statement is accepted here", "DROP")]
    [InlineData("START CONTINUOUS FUNCTION f() AS \"t\"\"; --\"", "continuous query tag name 't\"; --' is not allowed", "\"t")]
    [InlineData("STOP CONTINUOUS t OR 1=1", "unexpected 'OR' after the end of the statement", "OR")]
    [InlineData("DROP STREAM TABLE \u212A", "stream table name '\u212A' is not allowed", "\u212A")]
    [InlineData("DROP STREAM TABLE s\0", "unexpected '\0' after the end of the statement", "\0")]
    [InlineData("START CONTINUOUS FUNCTION f('abc)", "unterminated string: the ' is never closed", "'")]
    [InlineData("DROP STREAM TABLE \"abc", "unterminated quoted name", "\"")]
    [InlineData("DROP STREAM TABLE s /* never closed", "unterminated comment", "/*")]
    [InlineData("CREATE STREAM TABLE s (a text DEFAULT $x$abc)", "unterminated dollar-quoted text: $x$ is never closed", "$x$")]
    [InlineData("SELECT 1; DROP STREAM TABLE s", "not a stream statement: 'SELECT 1; DROP STREAM TABLE s'", "SELECT")]
    [InlineData("", "empty statement", null)]
    [InlineData(" -- nothing\n ;", "empty statement", ";")]
    public void Injection_attempts_and_broken_quotes_are_refused(string text, string problem, string? at, int skip = 0) =>
        Refusal.Assert(text, problem, at, skip);

    [Fact]
    public void A_comment_after_the_semicolon_is_only_a_comment()
    {
        var statement = StatementParser.Parse("INSERT INTO s VALUES ('x'); --'); DROP TABLE t");

        Assert.Equal("('x')", Assert.IsType<InsertInto>(statement).Values);
    }

    [Fact]
    public void A_kelvin_sign_is_not_folded_into_a_latin_k()
    {
        // PostgreSQL folds only A-Z, so "K" (U+212A) is not the name k: accepting it as k would name another table.
        Refusal.Assert("CREATE STREAM TABLE \u212A (a int)", "is not allowed", "\u212A");
        Assert.Equal("k", ((DropStreamTable)StatementParser.Parse("DROP STREAM TABLE K")).Name.Name);
    }

    [Fact]
    public void Names_longer_than_63_characters_are_refused_with_a_short_message()
    {
        var name = new string('a', 100_000);
        var error = Refusal.Assert($"DROP STREAM TABLE {name}", "stream table name 'aaaa", name);

        Assert.True(error.Message.Length < 600, error.Message.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(63, ((DropStreamTable)StatementParser.Parse($"DROP STREAM TABLE {name[..63]}")).Name.Name.Length);
        Refusal.Assert($"DROP STREAM TABLE {name[..64]}", "is not allowed", name[..64]);
    }

    [Fact]
    public void Statements_longer_than_one_megabyte_are_refused_before_they_are_read()
    {
        var literal = new string('x', StatementParser.MaxStatementLength);
        var error = Assert.Throws<StatementException>(() => StatementParser.Parse($"INSERT INTO s VALUES ('{literal}')"));

        Assert.Contains("the statement is longer than 1048576 characters", error.Problem, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 600);
        var fits = $"INSERT INTO s VALUES ('{literal[..(StatementParser.MaxStatementLength - 25)]}')";
        Assert.Equal(StatementParser.MaxStatementLength, fits.Length);
        Assert.IsType<InsertInto>(StatementParser.Parse(fits));
    }

    [Fact]
    public void A_script_statement_longer_than_one_megabyte_is_refused_at_its_line()
    {
        var script = "SELECT 1;\nSELECT '" + new string('x', StatementParser.MaxStatementLength) + "';\nSELECT 2;";

        var error = Assert.Throws<StatementException>(() => StatementParser.ParseScript(script));

        Assert.Contains("is longer than 1048576 characters", error.Problem, StringComparison.Ordinal);
        Assert.Equal((2, 1), (error.Line, error.Column));
    }

    [Fact]
    public void Deep_nesting_is_refused_without_recursion()
    {
        var deep = new string('(', 100_000) + new string(')', 100_000);
        Refusal.Assert($"CREATE STREAM TABLE s (a int CHECK {deep})", "parentheses in the column list nest deeper than 32", "(", 32);
        Refusal.Assert($"INSERT INTO s VALUES {deep}", "expected a value", "(", 1);
        Refusal.Assert($"START CONTINUOUS FUNCTION f{deep}", "expected an argument", "(", 1);

        var nested = "CREATE STREAM TABLE s (a int CHECK " + new string('(', 31) + "a > 0" + new string(')', 31) + ")";
        Assert.IsType<CreateStreamTable>(StatementParser.Parse(nested));
    }

    [Fact]
    public void Unbalanced_parentheses_and_comments_in_a_script_are_bounded()
    {
        var script = "SELECT (" + string.Concat(Enumerable.Repeat("1; ", 400_000));
        var error = Assert.Throws<StatementException>(() => StatementParser.ParseScript(script));
        Assert.Contains("longer than", error.Problem, StringComparison.Ordinal);

        var comments = new string('x', 10) + string.Concat(Enumerable.Repeat("/*", 200_000));
        Assert.Contains("unterminated comment", Assert.Throws<StatementException>(() => StatementParser.ParseScript(comments)).Problem, StringComparison.Ordinal);
    }
}
