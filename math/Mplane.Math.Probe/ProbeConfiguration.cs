using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Mplane.Configuration;
using Mplane.Math.Transfer;
using Mplane.Math.Transfer.Configuration;

namespace Mplane.Math.Probe;

/// <summary>
/// math_probe's configuration: YAML (snake_case keys), or the original's XML
/// (<c>&lt;config ip port directory streamName streamType fileTimeConvMethod/&gt;</c>), which implies
/// the original's pull mode.
/// </summary>
public sealed class ProbeConfiguration
{
    /// <summary><c>push</c> (upload each finished file; the secure default) or <c>pull</c> (the original: serve files, the repository fetches).</summary>
    public string Mode { get; set; } = "push";

    /// <summary>The Tstat output directory to ship from.</summary>
    public string Directory { get; set; } = "tstat_output_logs";

    /// <summary>The stream's name.</summary>
    public string StreamName { get; set; } = "log_tcp_complete";

    /// <summary>The stream's type (the reader the repository uses).</summary>
    public string StreamType { get; set; } = "log_tcp_complete_v15";

    /// <summary>A glob of log file names to ship (<c>log_tcp_complete</c>, <c>log_*</c>); empty ships every file.</summary>
    public string Kinds { get; set; } = string.Empty;

    /// <summary>Only <c>tstat</c> exists: the <c>.out</c> folder's name, in UTC.</summary>
    public string FileTimeConvMethod { get; set; } = "tstat";

    /// <summary>Push: the repository's base URL (<c>https://repo:3000</c>). Pull: its <c>host:port</c>, as the original's <c>--repoUrl</c>.</summary>
    public string Repository { get; set; } = "https://localhost:3000";

    /// <summary>Pull mode: where this probe serves its files, also the callback address it registers.</summary>
    public string Listen { get; set; } = "127.0.0.1:3001";

    /// <summary>The first period to ship, UTC (<c>2015-02-27T00:00:00</c>); empty ships everything.</summary>
    public string StartTime { get; set; } = string.Empty;

    /// <summary>Client certificate, key and the CA that the repository's certificate must chain to.</summary>
    public TlsSection? Tls { get; set; }

    /// <summary>A shared token instead of a client certificate.</summary>
    public string? Token { get; set; }

    /// <summary>The ledger of files the repository acknowledged.</summary>
    public string Ledger { get; set; } = "math_probe.ledger.jsonl";

    /// <summary>How often to look for newly finished files.</summary>
    public string ScanInterval { get; set; } = "10s";

    /// <summary>Where to serve the probe's status JSON (a loopback address:port); empty: no status server.</summary>
    public string StatusListen { get; set; } = string.Empty;

    /// <summary>Compress uploads with gzip when the repository accepts it.</summary>
    public bool Gzip { get; set; } = true;

    /// <summary>How long an upload may make no progress (no answer, no body byte taken) before it is abandoned and retried.</summary>
    public string StallTimeout { get; set; } = "60s";

    /// <summary>Reads YAML, or the original's XML when the file ends in <c>.xml</c>.</summary>
    public static ProbeConfiguration Read(string path) =>
        path.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) ? ReadOriginal(path) : YamlConfigurationReader.Read<ProbeConfiguration>(path);

    /// <summary>Checks every value; relative paths are taken from <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="ConfigurationException">A value is wrong; the message names the file and key.</exception>
    public ProbeSettings Validate(string source, string baseDirectory)
    {
        string Check(string key, Func<string> check)
        {
            try
            {
                return check();
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException(source, key, e.Message);
            }
        }

        if (Mode is not ("push" or "pull"))
        {
            throw new ConfigurationException(source, "mode", $"'{Mode}' is not a mode: use push or pull");
        }

        if (FileTimeConvMethod != "tstat")
        {
            throw new ConfigurationException(source, "file_time_conv_method", $"'{FileTimeConvMethod}' is not a file-time method (only tstat exists)");
        }

        Check("stream_name", () => TransferNames.Stream(StreamName));
        Check("stream_type", () => TransferNames.StreamType(StreamType));
        var startTime = StartTime.Length == 0
            ? DateTimeOffset.UnixEpoch
            : ParseStart(StartTime) ?? throw new ConfigurationException(source, "start_time", $"'{StartTime}' is not a time such as 2015-02-27T00:00:00 (UTC)");
        if (!Spans.TryParse(ScanInterval, out var scan) || scan <= TimeSpan.Zero)
        {
            throw new ConfigurationException(source, "scan_interval", $"'{ScanInterval}' is not a duration such as 10s");
        }

        if (!Spans.TryParse(StallTimeout, out var stall) || stall <= TimeSpan.Zero)
        {
            throw new ConfigurationException(source, "stall_timeout", $"'{StallTimeout}' is not a duration such as 60s");
        }

        var directory = Path.GetFullPath(Directory, baseDirectory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new ConfigurationException(source, "directory", $"{directory} does not exist");
        }

        Uri repository;
        if (Mode == "push")
        {
            if (!Uri.TryCreate(Repository, UriKind.Absolute, out repository!) || repository.Scheme is not ("https" or "http"))
            {
                throw new ConfigurationException(source, "repository", $"'{Repository}' is not a URL such as https://repository:3000");
            }
        }
        else if (!Uri.TryCreate("http://" + Repository, UriKind.Absolute, out repository!) || repository.PathAndQuery != "/")
        {
            throw new ConfigurationException(source, "repository", $"'{Repository}' is not host:port (pull mode, as the original's --repoUrl)");
        }

        if (Token is not null && repository.Scheme == "http" && !repository.IsLoopback)
        {
            throw new ConfigurationException(source, "token", $"a token would cross the network in clear to {repository}: use https");
        }

        var prefix = string.Join('/', Directory.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(segment => segment != "."));
        if (prefix.Split('/').Contains(".."))
        {
            throw new ConfigurationException(source, "directory", $"'{Directory}' must not contain '..' (its name prefixes the listed paths)");
        }

        if (Mode == "pull" && !System.Net.IPEndPoint.TryParse(Listen, out _) && !Listen.StartsWith("localhost:", StringComparison.Ordinal))
        {
            throw new ConfigurationException(source, "listen", $"'{Listen}' is not an address:port");
        }

        System.Net.IPEndPoint? status = null;
        if (StatusListen.Length > 0 && (!System.Net.IPEndPoint.TryParse(StatusListen, out status) || !System.Net.IPAddress.IsLoopback(status.Address)))
        {
            throw new ConfigurationException(source, "status_listen", $"'{StatusListen}' is not a loopback address:port such as 127.0.0.1:3002");
        }

        return new ProbeSettings(
            Mode, directory, prefix, StreamName, StreamType, Kinds.Length == 0 ? null : Kinds, repository, Listen, startTime,
            Tls?.Load(source, baseDirectory, requireCertificate: Token is null), Token, Path.GetFullPath(Ledger, baseDirectory), scan, Gzip, status, stall);
    }

    /// <summary>
    /// Parses a start time as the original's <c>--startTime</c> (<c>2006-01-02T15:04:05</c>) but in UTC
    /// whatever the host's zone (the mPlane proxy passes UTC), also accepting a zone suffix.
    /// </summary>
    public static DateTimeOffset? ParseStart(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;

    private static ProbeConfiguration ReadOriginal(string path)
    {
        XElement root;
        try
        {
            root = XDocument.Load(path).Root ?? throw new ConfigurationException(path, null, "empty XML document");
        }
        catch (XmlException e)
        {
            throw new ConfigurationException(path, null, e.Message, e.LineNumber, e);
        }

        string Attribute(string name) => (string?)root.Attribute(name) ?? throw new ConfigurationException(path, name, "missing attribute of <config>");
        return new ProbeConfiguration
        {
            Mode = "pull",
            Listen = $"{Attribute("ip")}:{Attribute("port")}",
            Directory = Attribute("directory"),
            StreamName = Attribute("streamName"),
            StreamType = Attribute("streamType"),
            FileTimeConvMethod = (string?)root.Attribute("fileTimeConvMethod") ?? string.Empty,
            Repository = "localhost:3000",
            Ledger = Path.Combine(Path.GetTempPath(), "math_probe." + Attribute("streamName") + ".ledger.jsonl"),
        };
    }
}

/// <summary>math_probe's validated settings.</summary>
public sealed record ProbeSettings(
    string Mode,
    string Directory,
    string ListingPrefix,
    string StreamName,
    string StreamType,
    string? Kinds,
    Uri Repository,
    string Listen,
    DateTimeOffset StartTime,
    TlsMaterial? Tls,
    string? Token,
    string LedgerPath,
    TimeSpan ScanInterval,
    bool Gzip,
    System.Net.IPEndPoint? StatusListen = null,
    TimeSpan? StallTimeout = null);
