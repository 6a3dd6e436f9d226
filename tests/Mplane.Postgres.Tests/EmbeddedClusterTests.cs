using System.Net.Sockets;
using Mplane.Configuration;
using Mplane.Testing;
using Npgsql;

namespace Mplane.Postgres.Tests;

/// <summary>
/// The private cluster's lifecycle, each test on its own cluster in a temporary folder so that the
/// shared test cluster is never disturbed.
/// </summary>
public sealed class EmbeddedClusterTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new("cluster");
    private readonly List<EmbeddedCluster> _started = [];

    [Fact]
    public async Task Starts_from_nothing_is_reused_while_running_and_stops()
    {
        var cluster = NewCluster();
        Assert.Equal(ClusterRunState.NotInitialised, (await cluster.GetStatusAsync(Ct)).State);

        var created = await cluster.StartAsync(Ct);
        Assert.Equal(StartOutcome.Created, created.Outcome);
        Assert.Equal(ClusterRunState.Running, created.Status.State);
        Assert.NotNull(created.Status.ProcessId);
        Assert.Equal("mplane", await ScalarAsync<string>(created.Connection.ConnectionString(), "SELECT current_database()"));

        var reused = await NewCluster().StartAsync(Ct);
        Assert.Equal(StartOutcome.Reused, reused.Outcome);
        Assert.Equal(created.Status.ProcessId, reused.Status.ProcessId);
        Assert.Equal(created.Connection.Port, reused.Connection.Port);

        Assert.True(await cluster.StopAsync(Ct));
        Assert.Equal(ClusterRunState.Stopped, (await cluster.GetStatusAsync(Ct)).State);
        Assert.False(ProcessExists(created.Status.ProcessId!.Value));
        Assert.False(await cluster.StopAsync(Ct));
    }

    [Fact]
    public async Task Restart_keeps_the_data_and_the_port()
    {
        var cluster = NewCluster();
        var first = await cluster.StartAsync(Ct);
        await ExecuteAsync(first.Connection.ConnectionString(), "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)");
        await cluster.StopAsync(Ct);

        var second = await cluster.StartAsync(Ct);
        Assert.Equal(StartOutcome.Started, second.Outcome);
        Assert.Equal(first.Connection.Port, second.Connection.Port);
        Assert.Equal(42, await ScalarAsync<int>(second.Connection.ConnectionString(), "SELECT n FROM kept"));
    }

    [Fact]
    public async Task A_port_taken_while_stopped_moves_the_cluster_to_a_free_one()
    {
        var cluster = NewCluster();
        var first = await cluster.StartAsync(Ct);
        await cluster.StopAsync(Ct);

        using var squatter = new TcpListener(System.Net.IPAddress.Loopback, first.Connection.Port);
        squatter.Start();
        var second = await cluster.StartAsync(Ct);
        Assert.NotEqual(first.Connection.Port, second.Connection.Port);
        Assert.Equal(1, await ScalarAsync<int>(second.Connection.ConnectionString(), "SELECT 1"));
    }

    [Fact]
    public async Task Concurrent_starts_create_one_cluster()
    {
        var results = await Task.WhenAll(NewCluster().StartAsync(Ct), NewCluster().StartAsync(Ct));
        Assert.Single(results, r => r.Outcome == StartOutcome.Created);
        Assert.Single(results, r => r.Outcome == StartOutcome.Reused);
        Assert.Equal(results[0].Connection.Port, results[1].Connection.Port);
    }

    [Fact]
    public async Task Only_the_password_opens_it_and_only_on_loopback()
    {
        var started = await NewCluster().StartAsync(Ct);
        var wrong = new NpgsqlConnectionStringBuilder(started.Connection.ConnectionString()) { Password = "not-the-password" };
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<int>(wrong.ConnectionString, "SELECT 1"));
        Assert.Equal("28P01", refused.SqlState); // invalid_password

        Assert.Equal("127.0.0.1", await ScalarAsync<string>(started.Connection.ConnectionString(), "SHOW listen_addresses"));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite,
            File.GetUnixFileMode(new ClusterLayout(_directory.Combine("pg")).CredentialsFile));

        // The unix socket works too, with the same password.
        var socket = new NpgsqlConnectionStringBuilder(started.Connection.ConnectionString()) { Host = started.Connection.SocketDirectory };
        Assert.Equal(1, await ScalarAsync<int>(socket.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task Status_of_an_empty_folder_creates_nothing()
    {
        var status = await NewCluster().GetStatusAsync(Ct);
        Assert.Equal(ClusterRunState.NotInitialised, status.State);
        Assert.False(Directory.Exists(_directory.Combine("pg", "data")));
    }

    [Fact]
    public void A_long_folder_gets_a_short_socket_path()
    {
        var deep = new ClusterLayout(Path.Combine("/tmp", new string('x', 120), "pg"));
        Assert.True(deep.SocketDirectory.Length < 90, deep.SocketDirectory);
        Assert.StartsWith(Path.GetTempPath(), deep.SocketDirectory, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(_directory.Path, "pg", "run"), new ClusterLayout(_directory.Combine("pg")).SocketDirectory);
    }

    public void Dispose()
    {
        foreach (var cluster in _started)
        {
            cluster.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        _directory.Dispose();
    }

    // Bounds every step: a hung server start fails the test instead of the whole run.
    private static CancellationToken Ct => TestTimeout.Token;

    private EmbeddedCluster NewCluster()
    {
        var cluster = new EmbeddedCluster(
            new ClusterLayout(_directory.Combine("pg")), PostgresBinaries.Locate(), new ProcessRunner());
        _started.Add(cluster);
        return cluster;
    }

    // A stopped postmaster may linger as a zombie until its parent reaps it: that is not a running process.
    private static bool ProcessExists(int pid) =>
        File.Exists($"/proc/{pid}/stat") && File.ReadAllText($"/proc/{pid}/stat").Split(") ")[^1][0] != 'Z';

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
