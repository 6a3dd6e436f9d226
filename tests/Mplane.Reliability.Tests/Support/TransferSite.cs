using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Mplane.Generators.Tstat;
using Mplane.Math.Transfer;
using Mplane.Testing;
using Newtonsoft.Json;

namespace Mplane.Reliability.Tests.Transfer;

/// <summary>
/// A MATH site for the reliability suite, run as processes: a private PKI (the repository's server
/// certificate, one client certificate per probe), a folder for configurations, spools, ledgers and
/// generated Tstat logs, and the programs started from YAML as an operator writes it. Disposing it
/// stops every program it started and removes the folder.
/// </summary>
internal sealed partial class TransferSite : IAsyncDisposable
{
    private readonly List<MathProcess> _processes = [];

    public TransferSite(string purpose)
    {
        Pki = new TestPki();
        Directory = new TemporaryDirectory(purpose);
        Server = Pki.Server("Math-Repo-1");
    }

    public TestPki Pki { get; }

    public TemporaryDirectory Directory { get; }

    public (string Cert, string Key) Server { get; }

    /// <summary>The repository's spool.</summary>
    public string Spool => Directory.Combine("spool");

    /// <summary>A probe's client certificate: identity <c>org.mplane.SSB.Probes.{name}</c>.</summary>
    public (string Cert, string Key) ProbeIdentity(string name) => Pki.Client("Probes", name);

    /// <summary>
    /// math_repo's YAML over mutual TLS: every identity of the unit Probes has the role probes, which
    /// may send streams named <c>log_*</c>. <paramref name="probes"/> names the probes' identities.
    /// </summary>
    public string RepoTlsYaml(IEnumerable<string> probes, string handler = "copy", string extra = "") =>
        $"""
        listen: 127.0.0.1:0
        tls:
          cert: {Server.Cert}
          key: {Server.Key}
          ca_chain: {Pki.CaFile}
        roles:
        {string.Concat(probes.Select(p => $"  org.mplane.SSB.Probes.{p}: probes\n"))}
        authorizations:
          log_: probes
        spool: {Spool}
        handler: {handler}
        {extra}
        """;

    /// <summary>math_repo's YAML over plain HTTP from loopback (the unauthenticated identity may send <c>log_*</c>).</summary>
    public string RepoPlainYaml(string listen = "127.0.0.1:0") => $"""
        listen: {listen}
        plain_http: true
        roles: {"{"}Identity.Unauthenticated.Default: probes{"}"}
        authorizations: {"{"}log_: probes{"}"}
        spool: {Spool}
        handler: copy
        """;

    /// <summary>Starts math_repo from <paramref name="yaml"/> and waits until it listens; returns it and its address.</summary>
    public async Task<(MathProcess Process, Uri Address)> StartRepoAsync(string yaml, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var file = Directory.Combine($"math_repo.{_processes.Count}.yaml");
        await File.WriteAllTextAsync(file, yaml, cancellationToken).ConfigureAwait(false);
        var process = Track(MathProcess.Start("math_repo", ["--config", file], environment));
        var listening = await process.WaitForOutputAsync(ListeningLine(), TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        return (process, new Uri(listening.Groups[1].Value));
    }

    /// <summary>Writes a push-mode math_probe YAML; returns its path.</summary>
    public string WriteProbeYaml(
        string name, string source, string stream, Uri repository, (string Cert, string Key)? identity, string extra = "")
    {
        var tls = identity is { } id
            ? $"tls:\n  cert: {id.Cert}\n  key: {id.Key}\n  ca_chain: {Pki.CaFile}\n"
            : repository.Scheme == "https" ? $"tls:\n  ca_chain: {Pki.CaFile}\n" : string.Empty;
        var file = Directory.Combine($"{name}.yaml");
        File.WriteAllText(file, $"""
            mode: push
            directory: {source}
            stream_name: {stream}
            stream_type: log_tcp_complete_v15
            kinds: log_tcp_complete
            repository: {repository}
            ledger: {LedgerOf(name)}
            scan_interval: 1s
            {tls}{extra}
            """);
        return file;
    }

    /// <summary>The ledger path of the probe <paramref name="name"/>.</summary>
    public string LedgerOf(string name) => Directory.Combine($"{name}.ledger.jsonl");

    /// <summary>Starts math_probe with <paramref name="configuration"/> and extra arguments (<c>--once --final</c>).</summary>
    public MathProcess StartProbe(string configuration, params string[] arguments) =>
        Track(MathProcess.Start("math_probe", ["--config", configuration, .. arguments]));

    /// <summary>Writes generated Tstat logs (5-minute files) into <c>source/<paramref name="name"/></c>.</summary>
    public async Task<(string Directory, GenerationSummary Summary)> GenerateAsync(
        string name, TimeSpan duration, double rate, ulong seed, CancellationToken cancellationToken)
    {
        var directory = Directory.Combine("source", name);
        var summary = await new TstatLogGenerator().GenerateAsync(
            new TstatGeneratorOptions
            {
                OutputDirectory = directory,
                Start = new DateTimeOffset(2015, 2, 27, 9, 30, 0, TimeSpan.Zero), // where the daily cycle is at its mean
                Duration = duration,
                Interval = TimeSpan.FromMinutes(5),
                Rate = rate,
                Seed = seed,
            },
            null,
            cancellationToken).ConfigureAwait(false);
        return (directory, summary);
    }

    /// <summary>The lower-case hex SHA-256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>Every record of a ledger (the file of a stopped or running program), in order.</summary>
    public static IReadOnlyList<LedgerEntry> ReadLedger(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(file);
        var entries = new List<LedgerEntry>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line.EndsWith('}') && JsonConvert.DeserializeObject<LedgerEntry>(line) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>
    /// Checks what the repository holds against the sources: each file recorded as stored exactly once,
    /// with the source's SHA-256 and size, and the stored bytes hashing to it. Returns the files
    /// checked and the mismatches found (a missing file counts as a mismatch).
    /// </summary>
    public (int Files, int Mismatches, IReadOnlyList<string> Problems) CheckStored(string stream, string source)
    {
        var stored = ReadLedger(Path.Combine(Spool, "ledger.jsonl")).Where(e => e.Stream == stream && e.State == "stored").ToList();
        var problems = new List<string>();
        var files = FinishedFiles.Select(source, DateTimeOffset.UnixEpoch, "log_tcp_complete", holdNewest: false).Files;
        foreach (var file in files)
        {
            var sha = Sha256Of(file.FullPath);
            var records = stored.Where(e => e.Path == file.RelativePath).ToList();
            var copy = Path.Combine(Spool, stream, file.RelativePath);
            if (records.Count != 1)
            {
                problems.Add($"{stream}/{file.RelativePath}: stored {records.Count} times");
            }
            else if (records[0].Sha256 != sha || records[0].Size != file.Size)
            {
                problems.Add($"{stream}/{file.RelativePath}: recorded {records[0].Sha256} ({records[0].Size} bytes), source {sha} ({file.Size} bytes)");
            }
            else if (!File.Exists(copy) || Sha256Of(copy) != sha)
            {
                problems.Add($"{stream}/{file.RelativePath}: the stored copy does not hash to the source's {sha}");
            }
        }

        return (files.Count, problems.Count, problems);
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync().ConfigureAwait(false);
        }

        Directory.Dispose();
        Pki.Dispose();
    }

    [GeneratedRegex(@"math_repo listening on (\S+) \(")]
    private static partial Regex ListeningLine();

    private MathProcess Track(MathProcess process)
    {
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }
}
