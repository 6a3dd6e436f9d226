using Mplane.Postgres;
using Mplane.Testing;

namespace Mplane.Reliability.Tests.Sites;

/// <summary>
/// A PostgreSQL cluster of a test's own (<see cref="EmbeddedCluster"/> in a temporary folder), for
/// scenarios that stop the server: the shared test cluster is never touched. It keeps its port across
/// <see cref="StopAsync"/> and <see cref="StartAsync"/>, so a connection string stays valid; disposing
/// stops it and removes its folder.
/// </summary>
internal sealed class SiteCluster : IAsyncDisposable
{
    private readonly TemporaryDirectory _directory;
    private readonly EmbeddedCluster _cluster;

    private SiteCluster(TemporaryDirectory directory, EmbeddedCluster cluster, string connectionString)
    {
        _directory = directory;
        _cluster = cluster;
        ConnectionString = connectionString;
    }

    /// <summary>The connection string of its project database (<c>mplane</c>), for <c>MPLANE_PG</c>.</summary>
    public string ConnectionString { get; }

    /// <summary>The server's log, for a failure's message.</summary>
    public string LogFile => _cluster.Layout.LogFile;

    /// <summary>Creates the cluster (initdb) and starts it.</summary>
    public static async Task<SiteCluster> CreateAsync(CancellationToken cancellationToken)
    {
        var directory = new TemporaryDirectory("sitepg");
        try
        {
            var cluster = new EmbeddedCluster(new ClusterLayout(directory.Combine("pg")), PostgresBinaries.Locate(), new ProcessRunner());
            var started = await cluster.StartAsync(cancellationToken).ConfigureAwait(false);
            return new SiteCluster(directory, cluster, started.Connection.ConnectionString());
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Stops the server as an operator would (<c>pg_ctl stop -m fast</c>: sessions are cut, nothing is lost).</summary>
    public Task<bool> StopAsync(CancellationToken cancellationToken) => _cluster.StopAsync(cancellationToken);

    /// <summary>Starts it again, on the same port; returns when it accepts connections.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = await _cluster.StartAsync(cancellationToken).ConfigureAwait(false);
        if (started.Connection.ConnectionString() != ConnectionString)
        {
            throw new InvalidOperationException($"the cluster came back on another address ({started.Connection.Port}): its port was taken meanwhile");
        }
    }

    /// <summary>The last lines of the server's log.</summary>
    public string Tail()
    {
        try
        {
            return $"--- last lines of {LogFile} ---\n" + string.Join('\n', File.ReadLines(LogFile).TakeLast(30));
        }
        catch (IOException e)
        {
            return $"({LogFile}: {e.Message})";
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _cluster.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _directory.Dispose();
        }
    }
}
