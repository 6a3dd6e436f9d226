using Mplane.Configuration;
using Mplane.Testing;
using Mplane.Warehouse.Jobs;

namespace Mplane.Warehouse.Tests;

public sealed class JobFileTests : IDisposable
{
    private const string Valid = """
        name: flows
        inputs:
          - table: log_tcp_complete
        output:
          table: flows
          window: 5m
          columns: [flows bigint]
        query: SELECT __STARTTS, count(*) FROM __IN0
        """;

    private readonly TemporaryDirectory _directory = new("jobs");

    [Fact]
    public void The_example_jobs_are_valid()
    {
        var jobs = JobFile.LoadDirectory(Path.Combine(TestPaths.Home.ConfDirectory, "jobs"));
        Assert.Equal(["clients_5min", "features_5min", "flows_5min", "top_ports_5min", "traffic_hourly"], jobs.Select(j => j.Name).Order());
        var hourly = jobs.Single(j => j.Name == "traffic_hourly");
        Assert.Equal(TimeSpan.FromHours(1), hourly.Window);
        Assert.Equal(TimeSpan.FromHours(1), hourly.Inputs[0].Slice);
    }

    [Theory]
    [InlineData("name: flows", "name: Flows!", "name", "'Flows!' is not allowed")]
    [InlineData("columns: [flows bigint]", "columns: [flows bigintt]", "output.columns[0]", "type 'bigintt' is not one of")]
    [InlineData("columns: [flows bigint]", "columns: [\"flows;drop bigint\"]", "output.columns[0]", "column 'flows;drop' is not allowed")]
    [InlineData("window: 5m", "window: 5 minutes", "output.window", "'5 minutes' is not a duration")]
    [InlineData("FROM __IN0", "FROM __IN1", "query", "__IN1 names input 1, but the job has 1 input(s)")]
    [InlineData("  - table: log_tcp_complete", "  - table: \"x; drop table y\"", "inputs[0].table", "table name 'x; drop table y' is not allowed")]
    [InlineData("query: SELECT __STARTTS, count(*) FROM __IN0", "qurey: SELECT 1", null, "qurey")]
    public void Mistakes_name_the_file_and_key(string replace, string with, string? key, string message)
    {
        var path = _directory.Combine("job.yaml");
        File.WriteAllText(path, Valid.Replace(replace, with, StringComparison.Ordinal));
        var error = Assert.Throws<ConfigurationException>(() => JobFile.Load(path));
        Assert.Equal(path, error.File);
        Assert.Equal(key, error.Key);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_jobs_writing_one_table_are_refused()
    {
        File.WriteAllText(_directory.Combine("a.yaml"), Valid);
        File.WriteAllText(_directory.Combine("b.yaml"), Valid.Replace("name: flows", "name: other", StringComparison.Ordinal));
        var error = Assert.Throws<ConfigurationException>(() => JobFile.LoadDirectory(_directory.Path));
        Assert.Contains("jobs flows and other write the same table", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Placeholders_are_replaced_in_one_pass()
    {
        var job = JobFile.Load(Write(Valid)) with { Query = "SELECT __STARTTS, __ENDTS, __STARTTS64, __IN0, __PREV, __IN0X" };
        var expanded = WindowRunner.Expand(job, new DateTimeOffset(2015, 2, 27, 22, 0, 0, TimeSpan.Zero));
        Assert.Equal(
            "SELECT '2015-02-27T22:00:00.000000Z'::timestamptz, '2015-02-27T22:05:00.000000Z'::timestamptz, " +
            $"{1425074400UL << 32}, mplane_in0, mplane_prev, __IN0X",
            expanded);
    }

    public void Dispose() => _directory.Dispose();

    private string Write(string text)
    {
        var path = _directory.Combine("job.yaml");
        File.WriteAllText(path, text);
        return path;
    }
}
