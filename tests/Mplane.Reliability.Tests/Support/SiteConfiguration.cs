using Mplane.Testing;

namespace Mplane.Reliability.Tests.Sites;

/// <summary>
/// The configuration files of a <see cref="RepositorySite"/>, written as an operator writes them:
/// <c>conf/repository.yaml</c> (the host), <c>conf/math_repo.yaml</c> (mutual TLS, the warehouse
/// handler), <c>conf/jobs/</c> and <c>conf/analysis.yaml</c> copied from the project's <c>conf/</c>,
/// and <c>conf/math_probe.yaml</c> (push over mutual TLS). Every path in them is absolute.
/// </summary>
internal static class SiteConfiguration
{
    /// <summary>The stream shipped and imported.</summary>
    public const string Stream = "log_tcp_complete";

    /// <summary>Probe-1's mPlane identity, the one math_repo authorizes for <c>log_</c> streams.</summary>
    public const string ProbeIdentity = "org.mplane.SSB.Probes.Probe-1";

    private static readonly string[] KnownModules = ["status", "math_repo", "importer", "scheduler", "retention", "analysis", "proxy", "streams"];

    /// <summary>Writes every file into <paramref name="conf"/>.</summary>
    public static void Write(string conf, SiteOptions options, SitePaths paths)
    {
        var unknown = options.Modules.Except(["status", "math_repo", "scheduler", "analysis"]).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"a site runs status, math_repo, scheduler and analysis, not {string.Join(", ", unknown)}", nameof(options));
        }

        Directory.CreateDirectory(Path.Combine(conf, "jobs"));
        foreach (var job in options.Jobs)
        {
            File.Copy(Path.Combine(TestPaths.Home.ConfDirectory, "jobs", job + ".yaml"), Path.Combine(conf, "jobs", job + ".yaml"));
        }

        File.Copy(Path.Combine(TestPaths.Home.ConfDirectory, "analysis.yaml"), Path.Combine(conf, "analysis.yaml"));
        File.WriteAllText(Path.Combine(conf, "repository.yaml"), Repository(options, paths));
        File.WriteAllText(Path.Combine(conf, "math_repo.yaml"), MathRepo(paths));
        File.WriteAllText(Path.Combine(conf, "math_probe.yaml"), MathProbe(options, paths));
    }

    private static string Repository(SiteOptions options, SitePaths paths)
    {
        string Enabled(string module) => options.Modules.Contains(module) ? "true" : "false";
        var modules = string.Join('\n', KnownModules.Select(m => m switch
        {
            "math_repo" => $"  math_repo:\n    enabled: {Enabled(m)}\n    config: math_repo.yaml",
            "scheduler" => $"  scheduler:\n    enabled: {Enabled(m)}\n    jobs: jobs\n    parallel: 2\n    poll: {options.SchedulerPoll}",
            "analysis" => $"  analysis:\n    enabled: {Enabled(m)}\n    config: analysis.yaml\n    interval: {options.AnalysisInterval}",
            _ => $"  {m}:\n    enabled: {Enabled(m)}",
        }));
        return $"""
            # A reliability site's repository (tests/Mplane.Reliability.Tests/Support/RepositorySite.cs).
            host:
              listen: 127.0.0.1:{paths.StatusPort}
              restart_penalty: {options.RestartPenalty.First}
              max_restart_penalty: {options.RestartPenalty.Max}
              shutdown_timeout: 10s
            modules:
            {modules}

            """;
    }

    private static string MathRepo(SitePaths paths) => $"""
        listen: 127.0.0.1:{paths.MathRepoPort}
        tls:
          cert: {paths.ServerCertificate.Cert}
          key: {paths.ServerCertificate.Key}
          ca_chain: {paths.CaFile}
        roles:
          {ProbeIdentity}: probes
        authorizations:
          log_: probes
        spool: {paths.Spool}
        handler: warehouse

        """;

    private static string MathProbe(SiteOptions options, SitePaths paths) => $"""
        mode: push
        directory: {paths.Tstat}
        stream_name: {Stream}
        stream_type: log_tcp_complete_v15
        kinds: log_tcp_complete
        repository: https://127.0.0.1:{paths.MathRepoPort}
        tls:
          cert: {paths.ProbeCertificate.Cert}
          key: {paths.ProbeCertificate.Key}
          ca_chain: {paths.CaFile}
        ledger: {paths.ProbeLedger}
        scan_interval: {options.ProbeScanInterval}
        gzip: true

        """;
}

/// <summary>Where a site keeps things, and its ports (fixed, so that a restarted host listens where the probe sends).</summary>
/// <param name="Root">The site's temporary folder.</param>
/// <param name="MathRepoPort">math_repo's port.</param>
/// <param name="StatusPort">The status module's port (used only when it runs).</param>
/// <param name="CaFile">The site's CA.</param>
/// <param name="ServerCertificate">math_repo's certificate and key.</param>
/// <param name="ProbeCertificate">Probe-1's certificate and key.</param>
internal sealed record SitePaths(
    string Root, int MathRepoPort, int StatusPort, string CaFile, (string Cert, string Key) ServerCertificate, (string Cert, string Key) ProbeCertificate)
{
    /// <summary>The configuration folder.</summary>
    public string Conf => Path.Combine(Root, "conf");

    /// <summary>The Tstat output folder the probe ships from (files appear there when released).</summary>
    public string Tstat => Path.Combine(Root, "tstat");

    /// <summary>Where generated files wait to be released.</summary>
    public string Generated => Path.Combine(Root, "generated");

    /// <summary>math_repo's spool.</summary>
    public string Spool => Path.Combine(Root, "spool");

    /// <summary>The probe's ledger.</summary>
    public string ProbeLedger => Path.Combine(Root, "probe.ledger.jsonl");

    /// <summary>The programs' output, one file per start.</summary>
    public string Logs => Path.Combine(Root, "logs");
}
