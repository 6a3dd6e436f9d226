using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Mplane.Streams.Engine;
using Mplane.Streams.Statements;
using Mplane.Testing;
using Xunit;

namespace Mplane.Streams.Tests;

/// <summary>Stream tables and continuous queries in a real database, cycle by cycle.</summary>
public sealed class StreamEngineTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2017, 8, 29, 12, 0, 0, TimeSpan.Zero));
    private TestDatabase _database = null!;
    private StreamCommands _commands = null!;
    private PetriNet _net = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("streams", TestTimeout.Token);
        _commands = new StreamCommands(_database.DataSource, time: _time);
        _net = new PetriNet(_database.DataSource, NullLogger<PetriNet>.Instance, _time);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    /// <summary>Runs a script: our statements through the engine, plain SQL (functions, selects) as it is.</summary>
    private async Task<List<string>> Run(string script)
    {
        var done = new List<string>();
        foreach (var (_, statement, text) in StatementParser.ParseScript(script))
        {
            if (statement is not null)
            {
                done.Add(await _commands.ExecuteAsync(statement, TestTimeout.Token));
            }
            else
            {
                await using var command = _database.DataSource.CreateCommand(text);
                await command.ExecuteNonQueryAsync(TestTimeout.Token);
            }
        }

        return done;
    }

    private Task<long> Count(string table) => _database.ScalarAsync<long>($"SELECT count(*) FROM {table}");

    [Fact]
    public async Task The_seed_s_example_runs_once_after_four_inserts_not_after_the_fifth_and_again_after_the_sixth()
    {
        await Run("""
            CREATE STREAM TABLE inputStream (val INT) SET WINDOW 4 STRIDE 2;
            CREATE FUNCTION calculateAverage() RETURNS TABLE (calc double precision) AS $$ SELECT AVG(val) FROM inputstream $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION calculateAverage() AS calcavg;
            INSERT INTO inputStream VALUES (33), (29), (30), (32);
            """);
        Assert.Equal(1, await _net.CycleAsync(TestTimeout.Token));
        Assert.Equal(0, await _net.CycleAsync(TestTimeout.Token));
        Assert.Equal([31.0], await Results("SELECT calc FROM cquery.calcavg"));

        await Run("INSERT INTO inputStream VALUES (30);");
        Assert.Equal(0, await _net.CycleAsync(TestTimeout.Token)); // three tuples: the window is not full
        Assert.Equal(1, await Count("cquery.calcavg"));

        await Run("INSERT INTO inputStream VALUES (33);");
        Assert.Equal(1, await _net.CycleAsync(TestTimeout.Token));
        Assert.Equal([31.0, 31.25], await Results("SELECT calc FROM cquery.calcavg ORDER BY calc"));
        Assert.Equal(2, await Count("inputstream")); // the stride removed the two oldest again
    }

    [Fact]
    public async Task The_seed_s_own_function_form_finds_its_stream_table_through_postgres_dependencies()
    {
        await Run("""
            CREATE STREAM TABLE inputStream (val INT) SET WINDOW 4 STRIDE 2;
            CREATE FUNCTION calculateAverage() RETURNS TABLE (calc double precision) LANGUAGE sql RETURN (SELECT AVG(val) FROM inputStream);
            CREATE STREAM TABLE bystander (v int) SET WINDOW 1;
            START CONTINUOUS FUNCTION calculateAverage() AS calcavg;
            INSERT INTO inputStream VALUES (33), (29), (30);
            """);
        Assert.Equal(["inputstream"], await _database.ScalarAsync<string[]>("SELECT inputs FROM mplane.continuous_queries WHERE tag = 'calcavg'"));
        Assert.Equal(0, await _net.CycleAsync(TestTimeout.Token)); // three tuples: it waits for its window
        await Run("INSERT INTO inputStream VALUES (32);");
        Assert.Equal(1, await _net.CycleAsync(TestTimeout.Token));
        Assert.Equal([31.0], await Results("SELECT calc FROM cquery.calcavg"));
    }

    [Fact]
    public async Task Two_queries_on_one_window_do_not_both_fire_on_tuples_the_first_consumed()
    {
        await Run("""
            CREATE STREAM TABLE shared (v int) SET WINDOW 2;
            CREATE FUNCTION first_reader() RETURNS TABLE (n bigint) AS $$ SELECT count(*) FROM shared $$ LANGUAGE sql;
            CREATE FUNCTION second_reader() RETURNS TABLE (n bigint) AS $$ SELECT count(*) FROM shared $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION first_reader();
            START CONTINUOUS FUNCTION second_reader();
            INSERT INTO shared VALUES (1), (2);
            """);
        Assert.Equal(1, await _net.CycleAsync(TestTimeout.Token)); // the first consumed the window; the second sees it empty and waits
        Assert.Equal(0, await _net.CycleAsync(TestTimeout.Token));
    }

    [Fact]
    public async Task The_running_scheduler_paces_its_cycles_even_when_a_query_fires_every_cycle()
    {
        await Run("""
            CREATE FUNCTION always() RETURNS TABLE (n int) AS $$ SELECT 1 $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION always();
            """);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new PetriNet(_database.DataSource, NullLogger<PetriNet>.Instance).RunAsync(TimeSpan.FromMilliseconds(200), stop.Token));
        Assert.InRange(await Count("cquery.always"), 3, 7); // about one run per 200 ms cycle, not a spin
    }

    [Fact]
    public async Task The_default_stride_removes_every_tuple_the_run_saw_and_zero_keeps_them()
    {
        await Run("""
            CREATE STREAM TABLE s1 (v int) SET WINDOW 2;
            CREATE STREAM TABLE s2 (v int) SET WINDOW 2 STRIDE 0;
            CREATE FUNCTION f1() RETURNS TABLE (n bigint) AS $$ SELECT count(*) FROM s1 $$ LANGUAGE sql;
            CREATE FUNCTION f2() RETURNS TABLE (n bigint) AS $$ SELECT count(*) FROM s2 $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION f1();
            START CONTINUOUS FUNCTION f2();
            INSERT INTO s1 VALUES (1), (2), (3);
            INSERT INTO s2 VALUES (1), (2);
            """);
        Assert.Equal(2, await _net.CycleAsync(TestTimeout.Token));
        Assert.Equal(0, await Count("s1"));
        Assert.Equal(2, await Count("s2"));
        Assert.Equal(1, await _net.CycleAsync(TestTimeout.Token)); // s2 still holds its window: f2 fires again
        Assert.Equal([2.0, 2.0], await Results("SELECT n::float8 FROM cquery.f2"));
    }

    [Fact]
    public async Task A_query_over_two_stream_tables_fires_only_when_both_windows_are_full()
    {
        await Run("""
            CREATE STREAM TABLE a (v int) SET WINDOW 2;
            CREATE STREAM TABLE b (v int) SET WINDOW 3;
            CREATE FUNCTION ab() RETURNS TABLE (n bigint) AS $$ SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b) $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION ab();
            INSERT INTO a VALUES (1), (2);
            """);
        Assert.Equal(0, await _net.CycleAsync(TestTimeout.Token));
        await Run("INSERT INTO b VALUES (1), (2), (3);");
        Assert.Equal(1, await _net.CycleAsync(TestTimeout.Token));
        Assert.Equal([5.0], await Results("SELECT n::float8 FROM cquery.ab"));
    }

    [Fact]
    public async Task Heartbeats_fire_by_the_clock_and_queries_without_any_condition_every_cycle()
    {
        await Run("""
            CREATE STREAM TABLE ticks (v int);
            CREATE FUNCTION beat() RETURNS TABLE (n bigint) AS $$ SELECT count(*) FROM ticks $$ LANGUAGE sql;
            CREATE FUNCTION always() RETURNS TABLE (n int) AS $$ SELECT 1 $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION beat() WITH HEARTBEAT 1000;
            START CONTINUOUS FUNCTION always();
            """);
        Assert.Equal(2, await _net.CycleAsync(TestTimeout.Token));
        Assert.Equal(1, await _net.CycleAsync(TestTimeout.Token)); // the heartbeat waits; 'always' fires
        _time.Advance(TimeSpan.FromMilliseconds(1000));
        Assert.Equal(2, await _net.CycleAsync(TestTimeout.Token));
        Assert.Equal(2, await Count("cquery.beat"));
        Assert.Equal(3, await Count("cquery.always"));
    }

    [Fact]
    public async Task Cycles_bound_the_runs_then_the_query_is_removed_and_its_output_kept()
    {
        await Run("""
            CREATE FUNCTION once() RETURNS TABLE (n int) AS $$ SELECT 7 $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION once() WITH CYCLES 2 AS twice;
            """);
        Assert.Equal(1, await _net.CycleAsync(TestTimeout.Token));
        Assert.Equal(1, await _net.CycleAsync(TestTimeout.Token));
        Assert.Equal(0, await _net.CycleAsync(TestTimeout.Token));
        Assert.Equal(0, await Count("mplane.continuous_queries"));
        Assert.Equal(2, await Count("cquery.twice"));
        Assert.Contains("removed after its last cycle", await _database.ScalarAsync<string>("SELECT message FROM mplane.cquery_log WHERE tag = 'twice' ORDER BY id DESC LIMIT 1"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("timestamp '2017-08-29 15:05:40'", 3 * 3600 + 5 * 60 + 40)]
    [InlineData("date '2017-08-30'", 12 * 3600)]
    [InlineData("time '13:00:00'", 3600)]
    [InlineData("1504015200000", 2 * 3600)] // 2017-08-29T14:00:00Z in unix ms
    public async Task A_clock_delays_the_first_run_until_its_time(string clock, int secondsFromNow)
    {
        await Run($"""
            CREATE FUNCTION later() RETURNS TABLE (n int) AS $$ SELECT 1 $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION later() WITH CLOCK {clock};
            """);
        _time.Advance(TimeSpan.FromSeconds(secondsFromNow - 1));
        Assert.Equal(0, await _net.CycleAsync(TestTimeout.Token));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await _net.CycleAsync(TestTimeout.Token));
    }

    [Fact]
    public async Task Pause_resume_and_stop_act_on_one_tag_or_all()
    {
        await Run("""
            CREATE FUNCTION one() RETURNS TABLE (n int) AS $$ SELECT 1 $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION one() AS x;
            START CONTINUOUS FUNCTION one() AS y;
            PAUSE CONTINUOUS x;
            """);
        Assert.Equal(1, await _net.CycleAsync(TestTimeout.Token)); // only y
        await Run("PAUSE ALL CONTINUOUS;");
        Assert.Equal(0, await _net.CycleAsync(TestTimeout.Token));
        await Run("RESUME CONTINUOUS x WITH CYCLES 1;");
        Assert.Equal(1, await _net.CycleAsync(TestTimeout.Token));
        Assert.Equal(1, await Count("mplane.continuous_queries")); // x ran its single cycle and is gone
        await Run("RESUME ALL CONTINUOUS;");
        Assert.Equal(1, await _net.CycleAsync(TestTimeout.Token));
        await Run("STOP CONTINUOUS y;");
        Assert.Equal(0, await Count("mplane.continuous_queries"));
        Assert.False(await _database.ScalarAsync<bool>("SELECT to_regclass('cquery.y') IS NOT NULL")); // stopping drops the output
        Assert.True(await _database.ScalarAsync<bool>("SELECT to_regclass('cquery.x') IS NOT NULL"));

        await Run("START CONTINUOUS FUNCTION one() AS z; STOP ALL CONTINUOUS;");
        Assert.Equal(0, await Count("mplane.continuous_queries"));
    }

    [Fact]
    public async Task An_error_in_a_run_pauses_the_query_and_is_logged_and_the_run_leaves_nothing()
    {
        await Run("""
            CREATE STREAM TABLE nums (v int) SET WINDOW 1;
            CREATE FUNCTION divide() RETURNS TABLE (q int) AS $$ SELECT 10 / v FROM nums $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION divide();
            INSERT INTO nums VALUES (0);
            """);
        Assert.Equal(0, await _net.CycleAsync(TestTimeout.Token));
        Assert.Equal("paused", await _database.ScalarAsync<string>("SELECT state FROM mplane.continuous_queries WHERE tag = 'divide'"));
        Assert.Contains("division by zero", await _database.ScalarAsync<string>("SELECT last_error FROM mplane.continuous_queries WHERE tag = 'divide'"), StringComparison.Ordinal);
        Assert.Contains("paused by an error: division by zero", await _database.ScalarAsync<string>("SELECT message FROM mplane.cquery_log WHERE tag = 'divide' ORDER BY id DESC LIMIT 1"), StringComparison.Ordinal);
        Assert.Equal(1, await Count("nums")); // rolled back: the tuple was not consumed
        Assert.Equal(0, await _net.CycleAsync(TestTimeout.Token)); // paused
    }

    [Theory]
    [InlineData("CREATE STREAM TABLE w (v int) SET WINDOW 2; CREATE FUNCTION hb() RETURNS TABLE (n bigint) AS $$ SELECT count(*) FROM w $$ LANGUAGE sql; START CONTINUOUS FUNCTION hb() WITH HEARTBEAT 10;", "HEARTBEAT and the WINDOW of w cannot both trigger the query")]
    [InlineData("CREATE STREAM TABLE w (v int) SET WINDOW 2; ALTER STREAM TABLE w SET STRIDE 3;", "the stride (3) cannot be larger than the window (2)")]
    [InlineData("CREATE STREAM TABLE w (v int); CREATE FUNCTION u() RETURNS TABLE (n bigint) AS $$ SELECT count(*) FROM w $$ LANGUAGE sql; START CONTINUOUS FUNCTION u(); DROP STREAM TABLE w;", "stream table w is used by the continuous query u: stop it first")]
    [InlineData("START CONTINUOUS FUNCTION nosuch();", "no function nosuch")]
    [InlineData("CREATE FUNCTION two() RETURNS int AS $$ SELECT 2 $$ LANGUAGE sql; START CONTINUOUS PROCEDURE two();", "no procedure two")]
    [InlineData("CREATE FUNCTION d() RETURNS int AS $$ SELECT 2 $$ LANGUAGE sql; START CONTINUOUS FUNCTION d(); START CONTINUOUS FUNCTION d();", "a continuous query is registered as d already")]
    [InlineData("PAUSE CONTINUOUS ghost;", "no continuous query ghost")]
    [InlineData("CREATE STREAM TABLE hbw (v int); CREATE FUNCTION hb2() RETURNS TABLE (n bigint) AS $$ SELECT count(*) FROM hbw $$ LANGUAGE sql; START CONTINUOUS FUNCTION hb2() WITH HEARTBEAT 10; ALTER STREAM TABLE hbw SET WINDOW 3;", "HEARTBEAT of hb2 and a WINDOW on hbw cannot both trigger the query")]
    [InlineData("INSERT INTO nowhere VALUES (1);", "no stream table nowhere")]
    [InlineData("CREATE TABLE plain (v int); CREATE STREAM TABLE plain (v int);", "a table plain exists already")]
    public async Task Refused_combinations_say_why(string script, string message) =>
        Assert.Contains(message, (await Assert.ThrowsAsync<StreamException>(() => Run(script))).Message, StringComparison.Ordinal);

    [Fact]
    public async Task Registrations_survive_a_restart_of_the_scheduler_in_their_state()
    {
        await Run("""
            CREATE STREAM TABLE r (v int) SET WINDOW 1;
            CREATE FUNCTION rr() RETURNS TABLE (n bigint) AS $$ SELECT count(*) FROM r $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION rr() WITH CYCLES 3;
            CREATE FUNCTION other() RETURNS TABLE (n int) AS $$ SELECT 1 $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION other();
            PAUSE CONTINUOUS other;
            INSERT INTO r VALUES (1);
            """);
        Assert.Equal(1, await _net.CycleAsync(TestTimeout.Token));

        // A new scheduler (a restarted repository) on the same database goes on: rr has two cycles left, other stays paused.
        var restarted = new PetriNet(_database.DataSource, NullLogger<PetriNet>.Instance, _time);
        await Run("INSERT INTO r VALUES (2);");
        Assert.Equal(1, await restarted.CycleAsync(TestTimeout.Token));
        Assert.Equal(1, await _database.ScalarAsync<int>("SELECT cycles_left FROM mplane.continuous_queries WHERE tag = 'rr'"));
        Assert.Equal("paused", await _database.ScalarAsync<string>("SELECT state FROM mplane.continuous_queries WHERE tag = 'other'"));
        Assert.Equal(2, await Count("cquery.rr"));
    }

    [Fact]
    public async Task The_running_scheduler_wakes_on_an_insert_and_only_one_runs_per_database()
    {
        await Run("""
            CREATE STREAM TABLE live (v int) SET WINDOW 1;
            CREATE FUNCTION echo() RETURNS TABLE (v int) AS $$ SELECT v FROM live $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION echo();
            """);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestTimeout.Token);
        var net = new PetriNet(_database.DataSource, NullLogger<PetriNet>.Instance);
        var running = net.RunAsync(TimeSpan.FromMinutes(5), stop.Token); // a long cycle: only the notification can wake it
        await Task.Delay(500, TestTimeout.Token);
        await Assert.ThrowsAsync<InvalidOperationException>(() => new PetriNet(_database.DataSource, NullLogger<PetriNet>.Instance).RunAsync(TimeSpan.FromSeconds(1), stop.Token));

        await Run("INSERT INTO live VALUES (42);");
        for (var i = 0; i < 100 && await Count("mplane.continuous_queries") == 1 && await _database.ScalarAsync<bool>("SELECT to_regclass('cquery.echo') IS NULL"); i++)
        {
            await Task.Delay(50, TestTimeout.Token);
        }

        for (var i = 0; i < 100 && await Count("cquery.echo") == 0; i++)
        {
            await Task.Delay(50, TestTimeout.Token);
        }

        Assert.Equal([42.0], await Results("SELECT v::float8 FROM cquery.echo"));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    private async Task<List<double>> Results(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(TestTimeout.Token);
        var list = new List<double>();
        while (await reader.ReadAsync(TestTimeout.Token))
        {
            list.Add(reader.GetDouble(0));
        }

        return list;
    }
}
