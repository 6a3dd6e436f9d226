using Mplane.Configuration;
using Mplane.Testing;
using Npgsql;

namespace Mplane.Postgres.Tests;

public sealed class DatabaseLocatorTests
{
    private static CancellationToken Ct => TestTimeout.Token;

    [Fact]
    public async Task The_environment_wins_over_the_configuration_file()
    {
        var locator = Locator(new() { ["MPLANE_PG"] = "Host=env.example;Database=a" });
        var configuration = new RepositoryConfiguration { Database = { Connection = "Host=file.example;Database=b" } };

        var resolved = await locator.ResolveAsync(configuration, Ct);
        Assert.Equal(DatabaseSource.Environment, resolved.Source);
        Assert.Equal("env.example", new NpgsqlConnectionStringBuilder(resolved.ConnectionString).Host);
        Assert.Null(resolved.Cluster);
    }

    [Fact]
    public async Task The_configuration_file_is_used_when_the_environment_is_silent()
    {
        var configuration = new RepositoryConfiguration { Database = { Connection = "Host=file.example;Password=secret;Database=b" } };
        var resolved = await Locator(new()).ResolveAsync(configuration, Ct);
        Assert.Equal(DatabaseSource.ConfigurationFile, resolved.Source);
        Assert.DoesNotContain("secret", resolved.Display, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_connection_string_is_a_configuration_error_naming_its_source()
    {
        var error = Assert.Throws<ConfigurationException>(() => Locator(new() { ["MPLANE_PG"] = "Hots=nowhere" }).Configured(null));
        Assert.Equal("MPLANE_PG", error.File);
        Assert.Contains("not a valid PostgreSQL connection string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_nothing_configured_the_running_test_cluster_is_reused()
    {
        // scripts/test started the cluster of TestPaths.Home before the tests; outside it, the first call creates it.
        var locator = Locator(new());
        var first = await locator.ResolveAsync(null, Ct);
        var second = await locator.ResolveAsync(null, Ct);
        Assert.Equal(DatabaseSource.Embedded, first.Source);
        Assert.Equal(StartOutcome.Reused, second.Cluster!.Outcome);
        Assert.Equal(first.ConnectionString, second.ConnectionString);

        await using var connection = new NpgsqlConnection(second.ConnectionString);
        await connection.OpenAsync(Ct);
        Assert.Equal("mplane", connection.Database);
    }

    private static DatabaseLocator Locator(Dictionary<string, string?> variables)
    {
        variables.TryAdd("PATH", Environment.GetEnvironmentVariable("PATH"));
        return new DatabaseLocator(TestPaths.Home, new DictionaryEnvironment(variables));
    }
}
