namespace Mplane.Postgres;

/// <summary>
/// An exclusive lock on a file, held while one process starts, stops or initialises a cluster, so
/// that a test run and a demo starting at the same moment do not both run initdb.
/// </summary>
public sealed class ClusterLock : IDisposable
{
    private readonly FileStream _stream;

    private ClusterLock(FileStream stream) => _stream = stream;

    /// <summary>Waits until the lock is free, then takes it.</summary>
    public static async Task<ClusterLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                // FileShare.None is an flock(LOCK_EX) on Unix: exclusive between processes and within one.
                return new ClusterLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new TimeoutException($"the cluster lock {path} was held by another process for over {timeout.TotalSeconds:0} s", e);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
