using System.Diagnostics.Metrics;

namespace Mplane.Math.Repo;

/// <summary>
/// math_repo's instruments (meter <see cref="MeterName"/>): bytes received from probes and files stored,
/// per stream. What only this process sees (bytes on the wire, including uploads cut and resumed)
/// lives here rather than in the database; a host that runs math_repo in its process exposes them
/// on <c>/metrics</c> (as <c>mplane_math_repo_received_bytes</c> and <c>mplane_math_repo_stored_files</c>).
/// </summary>
public sealed class RepoMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Mplane.Math.Repo";

    // Owned by this instance (one per running math_repo) and disposed with it: a meter left undisposed stays registered for the life of the process.
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _received;
    private readonly Counter<long> _stored;

    /// <summary>Creates the instruments.</summary>
    public RepoMetrics()
    {
        _received = _meter.CreateCounter<long>("received_bytes", "By", "Bytes of log files received from probes, pushed or pulled, whether or not the file was completed.");
        _stored = _meter.CreateCounter<long>("stored_files", "{file}", "Log files stored whole in the spool and recorded in the ledger.");
    }

    /// <summary>Counts <paramref name="bytes"/> received for <paramref name="stream"/>.</summary>
    public void Received(string stream, long bytes)
    {
        if (bytes > 0)
        {
            _received.Add(bytes, new KeyValuePair<string, object?>("stream", stream));
        }
    }

    /// <summary>Counts a file of <paramref name="stream"/> stored.</summary>
    public void Stored(string stream) => _stored.Add(1, new KeyValuePair<string, object?>("stream", stream));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
