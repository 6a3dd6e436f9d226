namespace Mplane.Configuration;

/// <summary>The <c>host</c> section: how <c>mplane repo run</c> hosts its modules.</summary>
public sealed class HostSection
{
    /// <summary>The status API, dashboard and metrics: a loopback address and port (0 picks a free port).</summary>
    public string Listen { get; set; } = "127.0.0.1:8080";

    /// <summary>A failed module waits this long before its first restart; each quick failure doubles it.</summary>
    public string RestartPenalty { get; set; } = "5s";

    /// <summary>The longest wait before a restart.</summary>
    public string MaxRestartPenalty { get; set; } = "5m";

    /// <summary>A module that ran this long before failing starts again with the first penalty.</summary>
    public string StableAfter { get; set; } = "60s";

    /// <summary>How long in-flight work may take to finish on SIGTERM before it is abandoned (rolled back).</summary>
    public string ShutdownTimeout { get; set; } = "10s";
}

/// <summary>The <c>modules</c> section: which modules the host runs and their settings; paths relative to the file's folder.</summary>
public sealed class ModulesSection
{
    /// <summary>The status API, the dashboard and the metrics.</summary>
    public ModuleSection Status { get; set; } = new();

    /// <summary>math_repo, from its own configuration file.</summary>
    public ConfiguredModuleSection MathRepo { get; set; } = new() { Config = "math_repo.yaml" };

    /// <summary>Imports the finished Tstat logs of folders on this machine.</summary>
    public ImporterSection Importer { get; set; } = new() { Enabled = false };

    /// <summary>The jobs of a folder of job definitions.</summary>
    public SchedulerSection Scheduler { get; set; } = new();

    /// <summary>Retention by the <c>retention</c> section.</summary>
    public IntervalModuleSection Retention { get; set; } = new() { Interval = "10m" };

    /// <summary>Anomaly detection, from its configuration file.</summary>
    public AnalysisModuleSection Analysis { get; set; } = new();

    /// <summary>The mPlane repository proxy, from its <c>.conf</c>.</summary>
    public ConfiguredModuleSection Proxy { get; set; } = new() { Enabled = false, Config = "repository-proxy.conf" };

    /// <summary>The continuous queries' scheduler.</summary>
    public StreamsModuleSection Streams { get; set; } = new();
}

/// <summary>A module's common key.</summary>
public class ModuleSection
{
    /// <summary>Whether <c>mplane repo run</c> runs it (<c>--only</c> runs the named modules whatever this says).</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>A module configured by a file of its own.</summary>
public sealed class ConfiguredModuleSection : ModuleSection
{
    /// <summary>The file.</summary>
    public string Config { get; set; } = string.Empty;
}

/// <summary>A module that works every interval.</summary>
public class IntervalModuleSection : ModuleSection
{
    /// <summary>The time between two rounds.</summary>
    public string Interval { get; set; } = "1m";
}

/// <summary>The <c>analysis</c> module.</summary>
public sealed class AnalysisModuleSection : IntervalModuleSection
{
    /// <summary>The detectors' configuration.</summary>
    public string Config { get; set; } = "analysis.yaml";
}

/// <summary>The <c>scheduler</c> module.</summary>
public sealed class SchedulerSection : ModuleSection
{
    /// <summary>The folder of job definitions.</summary>
    public string Jobs { get; set; } = "jobs";

    /// <summary>Jobs run at once.</summary>
    public int Parallel { get; set; } = 2;

    /// <summary>The time between two looks for runnable windows when there was nothing to do.</summary>
    public string Poll { get; set; } = "5s";
}

/// <summary>The <c>streams</c> module.</summary>
public sealed class StreamsModuleSection : ModuleSection
{
    /// <summary>The scheduler's cycle when no insert wakes it.</summary>
    public string Cycle { get; set; } = "100ms";
}

/// <summary>The <c>importer</c> module.</summary>
public sealed class ImporterSection : IntervalModuleSection
{
    /// <summary>The folders it imports from.</summary>
    public List<ImportFolderSection> Folders { get; set; } = [];

    /// <summary>
    /// Where files the warehouse refuses for their content are moved, as <c>&lt;stream&gt;/&lt;path in its folder&gt;</c>
    /// with <c>&lt;file&gt;.error.txt</c> beside each; outside every import folder.
    /// </summary>
    public string Quarantine { get; set; } = "../.data/quarantine";
}

/// <summary>One folder of Tstat logs (Tstat's <c>YYYY_MM_DD_HH_MM.out</c> layout) and the stream its logs go to.</summary>
public sealed class ImportFolderSection
{
    /// <summary>The folder.</summary>
    public string? Path { get; set; }

    /// <summary>The stream (base table) its files are imported into.</summary>
    public string? Stream { get; set; }

    /// <summary>Which log files (a glob of file names, e.g. <c>log_tcp_complete</c>).</summary>
    public string Log { get; set; } = "log_tcp_complete";

    /// <summary>Files of periods before this (ISO 8601) are left alone.</summary>
    public string? Start { get; set; }
}
