using System.Diagnostics;
using Mplane.Generators.Tstat;
using Mplane.Testing;
using Npgsql;

namespace Mplane.Cli.Tests;

public sealed class ImportCliTests : IAsyncLifetime
{
    private readonly TemporaryDirectory _directory = new("import-cli");
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("importcli", TestTimeout.Token);

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Import_then_import_again_then_list_the_table()
    {
        var first = await RunAsync("import", "--stream", "tcp", TestPaths.TstatSamples);
        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.Contains("3 files imported (495 rows", first.StandardOutput, StringComparison.Ordinal);

        var again = await RunAsync("import", "--stream", "tcp", TestPaths.TstatSamples);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("0 files imported (0 rows", again.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("3 already imported", again.StandardOutput, StringComparison.Ordinal);

        var tables = await RunAsync("tables");
        Assert.Matches(@"public\.tcp\s+base\s+5m\s+3\s+495", tables.StandardOutput);

        var partitions = await RunAsync("tables", "tcp");
        Assert.Equal(0, partitions.ExitCode);
        Assert.Matches(@"2015-02-27 22:30\s+tcp_1425076200\s+165\s", partitions.StandardOutput);
        Assert.Equal(4, partitions.StandardOutput.Trim().Split('\n').Length); // a header and the three windows

        var unknown = await RunAsync("tables", "public.nosuch");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("no continuous table public.nosuch", unknown.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--stream", "tcp;drop table x", "table name 'tcp;drop table x' is not allowed")]
    [InlineData("--schema", "Public", "schema 'Public' is not allowed")]
    [InlineData("--window", "ten minutes", "--window: 'ten minutes' is not a whole number of seconds")]
    public async Task Bad_names_and_windows_exit_2_before_touching_the_database(string option, string value, string message)
    {
        var arguments = new List<string> { "import", option, value, TestPaths.TstatSamples };
        if (option != "--stream")
        {
            arguments.InsertRange(1, ["--stream", "tcp"]);
        }

        var result = await RunAsync([.. arguments]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname = 'tcp'"));
    }

    [Fact]
    public async Task Kill_9_mid_import_leaves_no_rows_of_the_file_and_a_rerun_imports_it_once()
    {
        var summary = await new TstatLogGenerator().GenerateAsync(
            new TstatGeneratorOptions
            {
                OutputDirectory = _directory.Path, Start = new DateTimeOffset(2015, 2, 27, 22, 0, 0, TimeSpan.Zero),
                Duration = TimeSpan.FromMinutes(5), Interval = TimeSpan.FromMinutes(5), Rate = 1500, Seed = 5,
            },
            null,
            TestTimeout.Token);
        var rows = summary.Flows;

        // Start the import and kill it hard once rows are flowing into the partition.
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "mplane.dll"), "import", "--stream", "killed", _directory.Path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["MPLANE_PG"] = _database.ConnectionString;
        using (var process = Process.Start(start)!)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (!process.HasExited && DateTime.UtcNow < deadline && !await CopyInProgressAsync())
            {
                await Task.Delay(20, TestTimeout.Token);
            }

            Assert.False(process.HasExited, "the import finished before it could be killed; make the file larger");
            process.Kill(entireProcessTree: true); // SIGKILL
            await process.WaitForExitAsync(TestTimeout.Token);
        }

        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname LIKE 'killed%'"));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.imports"));

        var rerun = await RunAsync("import", "--stream", "killed", _directory.Path);
        Assert.True(rerun.ExitCode == 0, rerun.StandardError);
        Assert.Equal(rows, await _database.ScalarAsync<long>("SELECT count(*) FROM killed"));
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.imports"));
    }

    private async Task<bool> CopyInProgressAsync()
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync(TestTimeout.Token);
        await using var command = new NpgsqlCommand(
            // The view is cluster-wide and other test classes copy into their own databases at the same time.
            "SELECT count(*) FROM pg_stat_progress_copy WHERE datname = current_database() AND tuples_processed > 1000",
            connection);
        return (long)(await command.ExecuteScalarAsync(TestTimeout.Token))! > 0;
    }

    private Task<Mplane.Postgres.CommandResult> RunAsync(params string[] arguments) =>
        new Mplane.Postgres.ProcessRunner().RunAsync(
            "dotnet", [Path.Combine(AppContext.BaseDirectory, "mplane.dll"), .. arguments], TestTimeout.Token,
            new Dictionary<string, string> { ["MPLANE_PG"] = _database.ConnectionString });
}
