using System.Diagnostics;
using Mplane.Testing;

namespace Mplane.Cli.Tests;

/// <summary><c>mplane sql</c> and <c>mplane streams</c> as processes: the seed's example with the scheduler running beside.</summary>
public sealed class StreamsCliTests
{
    [Fact]
    public async Task The_seed_s_example_through_mplane_sql_with_the_scheduler_running()
    {
        await using var database = await TestDatabase.CreateAsync("streamscli", TestTimeout.Token);
        using var directory = new TemporaryDirectory("streamscli");
        var environment = new Dictionary<string, string> { ["MPLANE_PG"] = database.ConnectionString };
        var script = directory.Combine("setup.sql");
        await File.WriteAllTextAsync(script, """
            -- the seed's example (reference/timetrails.md fills in the table)
            CREATE STREAM TABLE inputStream (val INT) SET WINDOW 4 STRIDE 2;
            CREATE FUNCTION calculateAverage() RETURNS TABLE (calc double precision) AS $$ SELECT AVG(val) FROM inputstream $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION calculateAverage() AS calcavg;
            """, TestTimeout.Token);
        var setup = await MplaneProcess.RunAsync(environment, ["sql", "--file", script]);
        Assert.True(setup.ExitCode == 0, setup.StandardError);
        Assert.Contains("continuous function calculateaverage started as calcavg", setup.StandardOutput, StringComparison.Ordinal);

        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "mplane.dll"), "streams", "run"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["MPLANE_PG"] = database.ConnectionString;
        using var scheduler = Process.Start(start)!;
        try
        {
            async Task<long> RowsAsync() => await database.ScalarAsync<long>("SELECT count(*) FROM cquery.calcavg WHERE to_regclass('cquery.calcavg') IS NOT NULL");
            async Task WaitForAsync(long rows)
            {
                for (var i = 0; i < 200 && (await database.ScalarAsync<bool>("SELECT to_regclass('cquery.calcavg') IS NULL") || await RowsAsync() < rows); i++)
                {
                    await Task.Delay(50, TestTimeout.Token);
                }
            }

            Assert.Equal(0, (await MplaneProcess.RunAsync(environment, ["sql", "INSERT INTO inputStream VALUES (33), (29), (30), (32)"])).ExitCode);
            await WaitForAsync(1);
            Assert.Equal(1, await RowsAsync());

            Assert.Equal(0, (await MplaneProcess.RunAsync(environment, ["sql", "INSERT INTO inputStream VALUES (30)"])).ExitCode);
            await Task.Delay(500, TestTimeout.Token);
            Assert.Equal(1, await RowsAsync()); // not yet

            Assert.Equal(0, (await MplaneProcess.RunAsync(environment, ["sql", "INSERT INTO inputStream VALUES (33)"])).ExitCode);
            await WaitForAsync(2);
            var results = await MplaneProcess.RunAsync(environment, ["sql", "SELECT calc FROM cquery.calcavg ORDER BY calc"]);
            Assert.Equal("calc\n31\n31.25\n(2 rows)\n", results.StandardOutput.Replace("\r\n", "\n", StringComparison.Ordinal));

            var status = await MplaneProcess.RunAsync(environment, ["streams", "status"]);
            Assert.Contains("calcavg", status.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("windows of inputstream", status.StandardOutput, StringComparison.Ordinal);

            var refused = await MplaneProcess.RunAsync(environment, ["sql", "DROP STREAM TABLE inputStream"]);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("line 1: stream table inputstream is used by the continuous query calcavg: stop it first", refused.StandardError, StringComparison.Ordinal);

            var malformed = await MplaneProcess.RunAsync(environment, ["sql", "CREATE STREAM TABLE x (v int) SET WINDOW 2 STRIDE 3"]);
            Assert.Equal(2, malformed.ExitCode);
            Assert.Contains("stride cannot be larger than the window", malformed.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            scheduler.Kill(entireProcessTree: true);
            await scheduler.WaitForExitAsync(TestTimeout.Token);
        }
    }

    [Fact]
    public async Task Streams_tee_feeds_a_stream_table_from_mplane_import()
    {
        await using var database = await TestDatabase.CreateAsync("teecli", TestTimeout.Token);
        var environment = new Dictionary<string, string> { ["MPLANE_PG"] = database.ConnectionString };
        var refused = await MplaneProcess.RunAsync(environment, ["streams", "tee", "log_tcp_complete", "servers"]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("no stream table servers", refused.StandardError, StringComparison.Ordinal);

        Assert.Equal(0, (await MplaneProcess.RunAsync(environment, ["sql", "CREATE STREAM TABLE servers (s_ip inet, s_port integer)"])).ExitCode);
        var teed = await MplaneProcess.RunAsync(environment, ["streams", "tee", "log_tcp_complete", "servers"]);
        Assert.True(teed.ExitCode == 0, teed.StandardError);
        Assert.Contains("teed into servers", teed.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("tee: imports of public.log_tcp_complete feed public.servers", (await MplaneProcess.RunAsync(environment, ["streams", "status"])).StandardOutput, StringComparison.Ordinal);

        var import = await MplaneProcess.RunAsync(environment, ["import", "--stream", "log_tcp_complete", TestPaths.TstatSamples]);
        Assert.True(import.ExitCode == 0, import.StandardError);
        Assert.Equal(495L, await database.ScalarAsync<long>("SELECT count(*) FROM servers"));

        Assert.Equal(0, (await MplaneProcess.RunAsync(environment, ["streams", "untee", "log_tcp_complete", "servers"])).ExitCode);
        Assert.Equal(0, (await MplaneProcess.RunAsync(environment, ["sql", "DROP STREAM TABLE servers"])).ExitCode);
    }
}
