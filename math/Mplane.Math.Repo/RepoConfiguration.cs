using System.Net;
using Mplane.Configuration;
using Mplane.Math.Transfer;
using Mplane.Math.Transfer.Configuration;

namespace Mplane.Math.Repo;

/// <summary>math_repo's YAML configuration (snake_case keys); <see cref="Validate"/> turns it into settings or names what is wrong.</summary>
public sealed class RepoConfiguration
{
    /// <summary>Address and port to listen on (<c>127.0.0.1:3000</c>; port 0 picks a free one).</summary>
    public string Listen { get; set; } = "127.0.0.1:3000";

    /// <summary>Mutual TLS: the secure default.</summary>
    public TlsSection? Tls { get; set; }

    /// <summary>Shared tokens (<c>Authorization: Bearer TOKEN</c>) and the identity each stands for, for sites without a PKI.</summary>
    public OrderedDictionary<string, string> Tokens { get; set; } = [];

    /// <summary>Serve plain HTTP (no TLS): only when set, and then only to loopback peers unless <see cref="PlainHttpRemote"/>.</summary>
    public bool PlainHttp { get; set; }

    /// <summary>Accept plain HTTP from other hosts too.</summary>
    public bool PlainHttpRemote { get; set; }

    /// <summary>Identity to roles.</summary>
    public OrderedDictionary<string, string> Roles { get; set; } = [];

    /// <summary>Stream-name substring to roles (the last applying key wins).</summary>
    public OrderedDictionary<string, string> Authorizations { get; set; } = [];

    /// <summary>Where files are stored (the original's <c>outDir</c>), with the ledger and the running pull imports.</summary>
    public string Spool { get; set; } = "math-spool";

    /// <summary><c>warehouse</c> (import each file into its stream's table) or <c>copy</c> (store only).</summary>
    public string Handler { get; set; } = "warehouse";

    /// <summary>The warehouse schema of the streams' tables.</summary>
    public string Schema { get; set; } = "public";

    /// <summary>Seconds between listings in pull mode.</summary>
    public string PollInterval { get; set; } = "5s";

    /// <summary>The largest file accepted.</summary>
    public string MaxFileSize { get; set; } = "4 GB";

    /// <summary><c>always</c>, or <c>collections</c>: files and registrations only while a collection is open.</summary>
    public string Accept { get; set; } = "always";

    /// <summary>How long an upload's body may stop coming before the upload is abandoned (408), its bytes kept for the resume.</summary>
    public string StallTimeout { get; set; } = "60s";

    /// <summary>Reads a YAML file.</summary>
    public static RepoConfiguration Read(string path) => YamlConfigurationReader.Read<RepoConfiguration>(path);

    /// <summary>Checks every value; relative paths are taken from <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="ConfigurationException">A value is wrong; the message names the file and key.</exception>
    public RepoSettings Validate(string source, string baseDirectory)
    {
        if (!IPEndPoint.TryParse(Listen, out var endpoint) || !Listen.Contains(':', StringComparison.Ordinal))
        {
            throw new ConfigurationException(source, "listen", $"'{Listen}' is not an address:port such as 127.0.0.1:3000");
        }

        if (Handler is not ("warehouse" or "copy"))
        {
            throw new ConfigurationException(source, "handler", $"'{Handler}' is not a handler: use warehouse or copy");
        }

        var tls = Tls?.Load(source, baseDirectory);
        if (tls is null && Tokens.Count == 0 && !PlainHttp)
        {
            throw new ConfigurationException(source, "tls", "no way to authenticate probes: configure tls (mutual TLS), tokens, or plain_http: true explicitly");
        }

        if (tls is null && Tokens.Count > 0 && !PlainHttp)
        {
            throw new ConfigurationException(source, "tokens", "tokens travel in clear without tls: configure tls too, or plain_http: true explicitly");
        }

        foreach (var (token, identity) in Tokens)
        {
            if (token.Length < 16)
            {
                throw new ConfigurationException(source, "tokens", $"the token for {identity} is too short to be a secret (at least 16 characters)");
            }
        }

        if (!Spans.TryParse(PollInterval, out var poll) || poll <= TimeSpan.Zero)
        {
            throw new ConfigurationException(source, "poll_interval", $"'{PollInterval}' is not a duration such as 5s");
        }

        try
        {
            Warehouse.Sql.Identifier.Of(Schema, "schema");
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(source, "schema", e.Message);
        }

        var accept = Accept switch
        {
            "always" => AcceptMode.Always,
            "collections" => AcceptMode.Collections,
            _ => throw new ConfigurationException(source, "accept", $"'{Accept}' is not a mode: use always or collections"),
        };

        if (!Spans.TryParse(StallTimeout, out var stall) || stall <= TimeSpan.Zero)
        {
            throw new ConfigurationException(source, "stall_timeout", $"'{StallTimeout}' is not a duration such as 60s");
        }

        var access = new AccessSection { Roles = Roles, Authorizations = Authorizations };
        return new RepoSettings(
            endpoint, tls, Tokens.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal), PlainHttp, PlainHttpRemote, access.ToPolicy(),
            Path.GetFullPath(Spool, baseDirectory), Handler, Schema, poll, Sizes.Parse(MaxFileSize, source, "max_file_size"), accept, stall);
    }
}

/// <summary>math_repo's validated settings.</summary>
public sealed record RepoSettings(
    IPEndPoint Listen,
    TlsMaterial? Tls,
    IReadOnlyDictionary<string, string> Tokens,
    bool PlainHttp,
    bool PlainHttpRemote,
    Security.AccessPolicy Access,
    string Spool,
    string Handler,
    string Schema,
    TimeSpan PollInterval,
    long MaxFileBytes,
    AcceptMode Accept = AcceptMode.Always,
    TimeSpan? StallTimeout = null)
{
    /// <summary>The file name of the running pull imports inside the spool.</summary>
    public string RunningImportsFile => Path.Combine(Spool, "running_imports.json");

    /// <summary>The ledger of stored and handled files inside the spool.</summary>
    public string LedgerFile => Path.Combine(Spool, "ledger.jsonl");

    /// <summary>The collections kept, inside the spool.</summary>
    public string CollectionsFile => Path.Combine(Spool, "collections.json");
}

/// <summary>When math_repo accepts files (uploads and pull registrations).</summary>
public enum AcceptMode
{
    /// <summary>At any time.</summary>
    Always,

    /// <summary>Only while some collection is open: a repository that stores logs only when someone asked for them.</summary>
    Collections,
}
