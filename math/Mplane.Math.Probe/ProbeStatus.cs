namespace Mplane.Math.Probe;

/// <summary>What the probe has done, for its status endpoint: files pending and acknowledged, bytes sent, rate, the last error.</summary>
public sealed class ProbeStatus
{
    private readonly Lock _lock = new();
    private long _bytes;
    private double _seconds;

    /// <summary>The stream shipped.</summary>
    public required string Stream { get; init; }

    /// <summary>Finished files not yet acknowledged, as of the last pass.</summary>
    public int Pending { get; private set; }

    /// <summary>Files the repository acknowledged (the ledger's count).</summary>
    public int Acknowledged { get; private set; }

    /// <summary>The file being sent, if any.</summary>
    public string? Sending { get; private set; }

    /// <summary>The last file acknowledged.</summary>
    public string? LastFile { get; private set; }

    /// <summary>Bytes of files acknowledged since the probe started.</summary>
    public long BytesSent
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Mean transfer rate since the probe started, bytes per second of transfer time.</summary>
    public double BytesPerSecond
    {
        get
        {
            lock (_lock)
            {
                return _seconds > 0 ? _bytes / _seconds : 0;
            }
        }
    }

    /// <summary>The last transient error, with its time.</summary>
    public string? LastError { get; private set; }

    internal void Passing(int pending, int acknowledged)
    {
        Pending = pending;
        Acknowledged = acknowledged;
    }

    internal void Starting(string file) => Sending = file;

    internal void Sent(string file, long bytes, TimeSpan elapsed)
    {
        lock (_lock)
        {
            _bytes += bytes;
            _seconds += elapsed.TotalSeconds;
        }

        Sending = null;
        LastFile = file;
        Pending = System.Math.Max(0, Pending - 1);
        Acknowledged++;
    }

    internal void Failed(string error) => LastError = $"{DateTimeOffset.UtcNow:O} {error}";
}
