using Mplane.Testing;

namespace Mplane.Cli.Tests;

public sealed class CliTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new("cli");

    [Fact]
    public async Task Help_is_a_map_of_the_subcommands()
    {
        var result = await MplaneProcess.RunAsync("--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("db ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("gen ", result.StandardOutput, StringComparison.Ordinal);

        var db = await MplaneProcess.RunAsync("db", "--help");
        foreach (var sub in new[] { "start", "stop", "status", "psql" })
        {
            Assert.Contains(sub, db.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Gen_tstat_writes_the_layout_and_reports_what_it_wrote()
    {
        var result = await MplaneProcess.RunAsync(
            "gen", "tstat", "--out", _directory.Path, "--start", "2015-02-27T22:00:00Z", "--duration", "20m", "--interval", "10m",
            "--rate", "5", "--seed", "7", "--anomaly", "portscan@+5m/5m");
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("wrote 2 log_tcp_complete files", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("portscan 2015-02-27T22:05:00Z 2015-02-27T22:10:00Z", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(File.Exists(_directory.Combine("2015", "02-Feb", "2015_02_27_22_10.out", "log_tcp_complete")));
        Assert.Equal(2, File.ReadAllLines(_directory.Combine("labels.tsv")).Length);
    }

    [Theory]
    [InlineData("--start", "yesterday", "--start: 'yesterday' is not an ISO-8601 time")]
    [InlineData("--duration", "forever", "--duration: 'forever' is not a duration")]
    [InlineData("--rate", "-3", "--rate must be between 0 and")]
    [InlineData("--anomaly", "meteor", "--anomaly: unknown anomaly kind 'meteor'")]
    public async Task Bad_arguments_exit_2_with_a_message_naming_the_option(string option, string value, string message)
    {
        var result = await MplaneProcess.RunAsync("gen", "tstat", "--out", _directory.Path, option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal); // no stack trace
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory.Path));
    }

    [Fact]
    public async Task Db_status_with_an_external_server_configured_names_it_without_the_password()
    {
        var result = await new Mplane.Postgres.ProcessRunner().RunAsync(
            "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "mplane.dll"), "db", "status"],
            TestTimeout.Token,
            new Dictionary<string, string> { ["MPLANE_PG"] = "Host=db.example.net;Username=u;Password=hunter2;Database=m" });
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("db.example.net", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.StandardOutput, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();
}
