using Mplane.Streams.Statements;
using Mplane.Warehouse.Sql;

namespace Mplane.Streams.Tests;

public sealed class ContinuousTests
{
    private static readonly Identifier Tag = Identifier.Of("calcavg");

    [Fact]
    public void The_seeds_continuous_function_is_started_under_its_tag()
    {
        var statement = StatementParser.Parse("START CONTINUOUS FUNCTION calculateAverage() AS calcavg;");

        var routine = new QualifiedRoutine(null, Identifier.Of("calculateaverage"));
        Assert.Equal(new StartContinuous(RoutineKind.Function, routine, [], ContinuousOptions.None, Tag), statement);
    }

    [Fact]
    public void A_procedure_takes_a_schema_literal_arguments_and_every_option()
    {
        const string Text = "start continuous procedure CQ.p(1, -2.5, 'it''s', TRUE, false, null, +3e2, '') "
            + "with heartbeat 1000 clock timestamp '2017-08-29 15:05:40' cycles 3";
        var statement = Assert.IsType<StartContinuous>(StatementParser.Parse(Text));

        Assert.Equal(RoutineKind.Procedure, statement.Kind);
        Assert.Equal(new QualifiedRoutine(Identifier.Of("cq"), Identifier.Of("p")), statement.Routine);
        Assert.Equal(["1", "-2.5", "'it''s'", "TRUE", "false", "null", "+3e2", "''"], statement.Arguments);
        Assert.Equal(new ContinuousOptions(1000, new ClockValue(ClockKind.Timestamp, "2017-08-29 15:05:40"), 3), statement.Options);
        Assert.Equal(Identifier.Of("p"), statement.Tag);
    }

    [Theory]
    [InlineData("WITH HEARTBEAT 10", 10, null)]
    [InlineData("WITH CYCLES 2", null, 2)]
    [InlineData("with cycles 2 heartbeat 10", 10, 2)]
    public void Options_may_come_in_any_order(string with, int? heartbeat, int? cycles)
    {
        var statement = (StartContinuous)StatementParser.Parse($"START CONTINUOUS FUNCTION f() {with} AS calcavg");

        Assert.Equal(new ContinuousOptions(heartbeat, null, cycles), statement.Options);
        Assert.Equal(Tag, statement.Tag);
    }

    [Theory]
    [InlineData("timestamp '2017-08-29 15:05:40'", ClockKind.Timestamp, "2017-08-29 15:05:40")]
    [InlineData("TIMESTAMP '2017-08-29T15:05:40.250+02:00'", ClockKind.Timestamp, "2017-08-29T15:05:40.250+02:00")]
    [InlineData("date '2017-08-29'", ClockKind.Date, "2017-08-29")]
    [InlineData("Time '15:05:40'", ClockKind.Time, "15:05:40")]
    [InlineData("1504019140000", ClockKind.UnixMs, "1504019140000")]
    public void Clock_literals_keep_their_kind_and_text(string literal, ClockKind kind, string text)
    {
        var statement = (StartContinuous)StatementParser.Parse($"START CONTINUOUS FUNCTION f() WITH CLOCK {literal}");

        Assert.Equal(new ContinuousOptions(null, new ClockValue(kind, text), null), statement.Options);
    }

    [Fact]
    public void A_routine_may_run_under_several_tags_with_different_arguments()
    {
        var first = (StartContinuous)StatementParser.Parse("START CONTINUOUS FUNCTION s.f(1) AS f_one");
        var second = (StartContinuous)StatementParser.Parse("START CONTINUOUS FUNCTION s.f(2) AS f_two");
        var untagged = (StartContinuous)StatementParser.Parse("START CONTINUOUS FUNCTION s.f(2)");

        Assert.Equal(first.Routine, second.Routine);
        Assert.NotEqual(first, second);
        Assert.Equal(Identifier.Of("f"), untagged.Tag);
        Assert.NotEqual(second, untagged);
    }

    [Theory]
    [InlineData("STOP CONTINUOUS calcavg", ContinuousAction.Stop, "calcavg")]
    [InlineData("pause continuous CalcAvg;", ContinuousAction.Pause, "calcavg")]
    [InlineData("Resume Continuous \"calcavg\"", ContinuousAction.Resume, "calcavg")]
    [InlineData("STOP CONTINUOUS with", ContinuousAction.Stop, "with")]
    [InlineData("STOP ALL CONTINUOUS", ContinuousAction.Stop, null)]
    [InlineData("pause all continuous ;", ContinuousAction.Pause, null)]
    [InlineData("RESUME ALL CONTINUOUS", ContinuousAction.Resume, null)]
    public void Commands_name_a_tag_or_all(string text, ContinuousAction action, string? tag)
    {
        Identifier? expected = tag is null ? null : Identifier.Of(tag);

        Assert.Equal(new ContinuousCommand(action, expected, null), StatementParser.Parse(text));
    }

    [Fact]
    public void Resume_may_give_new_options()
    {
        var statement = StatementParser.Parse("RESUME CONTINUOUS calcavg WITH CLOCK date '2017-08-30' HEARTBEAT 500");

        var options = new ContinuousOptions(500, new ClockValue(ClockKind.Date, "2017-08-30"), null);
        Assert.Equal(new ContinuousCommand(ContinuousAction.Resume, Tag, options), statement);
    }

    [Theory]
    [InlineData("START CONTINUOUS QUERY f()", "expected PROCEDURE or FUNCTION after START CONTINUOUS but found 'QUERY'", "QUERY")]
    [InlineData("START CONTINUOUS FUNCTION f", "expected '(' before the arguments but found the end of the statement", null)]
    [InlineData("START CONTINUOUS FUNCTION f(", "expected an argument: a number, a 'string', true, false or null but found the end", null)]
    [InlineData("START CONTINUOUS FUNCTION a.b.c()", "expected '(' before the arguments but found '.'", ".c")]
    [InlineData("START CONTINUOUS FUNCTION \"F\"()", "function name 'F' is not allowed", "\"F\"")]
    [InlineData("START CONTINUOUS PROCEDURE \"S\".p()", "schema name 'S' is not allowed", "\"S\"")]
    [InlineData("START CONTINUOUS FUNCTION f(now())", "expected an argument: a number, a 'string', true, false or null but found 'now'", "now")]
    [InlineData("START CONTINUOUS FUNCTION f(x)", "but found 'x'", "x)")]
    [InlineData("START CONTINUOUS FUNCTION f(1 2)", "expected ',' or ')' after the argument but found '2'", "2")]
    [InlineData("START CONTINUOUS FUNCTION f(1,)", "expected an argument", ")")]
    [InlineData("START CONTINUOUS FUNCTION f(- 1)", "expected an argument", "-")]
    [InlineData("START CONTINUOUS FUNCTION f(1::int)", "expected ',' or ')' after the argument but found '::'", "::")]
    [InlineData("START CONTINUOUS FUNCTION f(date '2017-08-29')", "but found 'date'", "date")]
    [InlineData("START CONTINUOUS FUNCTION f(E'x')", "E'...' strings are not accepted", "E'")]
    [InlineData("START CONTINUOUS FUNCTION f($1)", "but found '$1'", "$1")]
    [InlineData("START CONTINUOUS FUNCTION f($$x$$)", "but found '$$x$$'", "$$")]
    [InlineData("START CONTINUOUS FUNCTION f('a;b')", "';' is not allowed in a literal here", ";")]
    [InlineData("START CONTINUOUS FUNCTION f() WITH", "expected HEARTBEAT, CLOCK or CYCLES after WITH but found the end of the statement", null)]
    [InlineData("START CONTINUOUS FUNCTION f() WITH AS t", "expected HEARTBEAT, CLOCK or CYCLES after WITH but found 'AS'", "AS")]
    [InlineData("START CONTINUOUS FUNCTION f() WITH HEARTBEAT 10 HEARTBEAT 20", "HEARTBEAT is given twice", "HEARTBEAT 20")]
    [InlineData("START CONTINUOUS FUNCTION f() WITH CLOCK 1 CYCLES 2 CLOCK 3", "CLOCK is given twice", "CLOCK 3")]
    [InlineData("START CONTINUOUS FUNCTION f() WITH HEARTBEAT 0", "HEARTBEAT must be a positive integer, not 0", "0")]
    [InlineData("START CONTINUOUS FUNCTION f() WITH CYCLES 0", "CYCLES must be a positive integer, not 0", "0")]
    [InlineData("START CONTINUOUS FUNCTION f() WITH CLOCK '2017-08-29'", "expected a CLOCK literal", "'2017")]
    [InlineData("START CONTINUOUS FUNCTION f() WITH CLOCK now()", "expected a CLOCK literal", "now")]
    [InlineData("START CONTINUOUS FUNCTION f() WITH CLOCK timestamp 5", "expected a quoted value after timestamp but found '5'", "5")]
    [InlineData("START CONTINUOUS FUNCTION f() WITH CLOCK timestamp '2017-13-40 25:00:00'", "'2017-13-40 25:00:00' is not a timestamp", "'2017")]
    [InlineData("START CONTINUOUS FUNCTION f() WITH CLOCK timestamp 'now'", "'now' is not a timestamp", "'now'")]
    [InlineData("START CONTINUOUS FUNCTION f() WITH CLOCK date '29/08/2017'", "'29/08/2017' is not a date", "'29")]
    [InlineData("START CONTINUOUS FUNCTION f() WITH CLOCK time '25:00'", "'25:00' is not a time", "'25")]
    [InlineData("START CONTINUOUS FUNCTION f() WITH CLOCK 1.5", "1.5 is not a Unix time in milliseconds", "1.5")]
    [InlineData("START CONTINUOUS FUNCTION f() WITH CLOCK 99999999999999999999", "is not a Unix time in milliseconds", "999")]
    [InlineData("START CONTINUOUS FUNCTION f() AS", "expected the continuous query tag's name but found the end of the statement", null)]
    [InlineData("START CONTINUOUS FUNCTION f() AS t WITH CYCLES 1", "unexpected 'WITH' after the end of the statement", "WITH")]
    [InlineData("STOP t", "expected CONTINUOUS (or ALL CONTINUOUS) after STOP but found 't'", "t")]
    [InlineData("pause", "expected CONTINUOUS (or ALL CONTINUOUS) after PAUSE but found the end of the statement", null)]
    [InlineData("STOP ALL", "expected CONTINUOUS after STOP ALL but found the end of the statement", null)]
    [InlineData("STOP CONTINUOUS", "expected the continuous query tag's name but found the end of the statement", null)]
    [InlineData("STOP CONTINUOUS a, b", "unexpected ',' after the end of the statement", ",")]
    [InlineData("STOP CONTINUOUS t WITH HEARTBEAT 5", "STOP takes no WITH: only RESUME changes a query's options", "WITH")]
    [InlineData("PAUSE CONTINUOUS t WITH CYCLES 1", "PAUSE takes no WITH", "WITH")]
    [InlineData("RESUME ALL CONTINUOUS WITH HEARTBEAT 5", "RESUME ALL CONTINUOUS takes no WITH", "WITH")]
    [InlineData("RESUME CONTINUOUS t WITH", "expected HEARTBEAT, CLOCK or CYCLES after WITH", null)]
    public void Malformed_continuous_statements_are_refused_where_they_go_wrong(string text, string problem, string? at) =>
        Refusal.Assert(text, problem, at);

    [Fact]
    public void Arguments_are_bounded_by_postgresqls_limit()
    {
        var hundred = string.Join(", ", Enumerable.Range(0, 100));
        Assert.Equal(100, ((StartContinuous)StatementParser.Parse($"START CONTINUOUS FUNCTION f({hundred})")).Arguments.Count);

        Refusal.Assert($"START CONTINUOUS FUNCTION f({hundred}, 100)", "more than 100 arguments", "100)");
    }
}
