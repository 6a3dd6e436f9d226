using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Mplane.LogFormats.Tstat;
using Mplane.Math.Transfer;
using Mplane.Reliability.Tests.BadInput;
using Mplane.Reliability.Tests.Security;
using Mplane.Reliability.Tests.Transfer;
using Mplane.Testing;
using Newtonsoft.Json;
using Xunit.Abstractions;

namespace Mplane.Reliability.Tests;

/// <summary>
/// The bad-input corpus, each bad file between good ones, through both ways into the warehouse:
/// math_probe to math_repo (warehouse handler) and the host's importer module. Every bad file gets an
/// error naming the file (and line, where one applies): refused whole, it is quarantined with the
/// error beside it; with a few bad lines, those are skipped and named; rewritten while read, it is
/// tried again. Every good row arrives, and the program goes on serving.
/// </summary>
public sealed class BadInputTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Stream = "log_tcp_complete";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(50);

    private readonly TemporaryDirectory _directory = new("badinput");
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("badinput", TestTimeout.Token);

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Through_math_probe_and_math_repo_bad_files_are_quarantined_or_their_lines_named_and_every_good_row_arrives()
    {
        using var pki = new TestPki();
        var corpus = await BadInputCorpus.CreateAsync(_directory.Combine("probe"), _directory.Combine("scratch"), rewrittenFlows: 600, TestTimeout.Token);
        var spool = _directory.Combine("spool");
        var server = pki.Server("Math-Repo-1");
        var probe = pki.Client("Probes", "Probe-1");
        var repoConfig = Write("math_repo.yaml", $"""
            listen: 127.0.0.1:0
            tls:
              cert: {server.Cert}
              key: {server.Key}
              ca_chain: {pki.CaFile}
            roles:
              org.mplane.SSB.Probes.Probe-1: probes
            authorizations:
              log_: probes
            spool: {spool}
            handler: warehouse
            """);
        await using var repo = MathProcess.Start("math_repo", ["--config", repoConfig], Environment());
        var address = new Uri((await repo.WaitForOutputAsync(new Regex(@"listening on (\S+)"), Bound, TestTimeout.Token)).Groups[1].Value);

        // Rewritten while the probe read it: the bytes sent are not those hashed. The repository
        // refuses them (422) and keeps nothing; the probe sends the file as it is now.
        using (var http = PkiHttp.Create(pki, probe))
        {
            Assert.Equal((HttpStatusCode)422, await PutChangedAsync(http, address, corpus));
        }

        Assert.False(File.Exists(Path.Combine(spool, Stream, corpus.Rewritten.RelativePath)));
        await File.WriteAllBytesAsync(corpus.PathOf(corpus.Rewritten), corpus.RewrittenContent, TestTimeout.Token);

        var probeConfig = Write("math_probe.yaml", $"""
            mode: push
            directory: {corpus.Root}
            stream_name: {Stream}
            stream_type: log_tcp_complete_v15
            kinds: log_tcp_complete
            repository: {address}
            tls:
              cert: {probe.Cert}
              key: {probe.Key}
              ca_chain: {pki.CaFile}
            ledger: {_directory.Combine("probe.ledger.jsonl")}
            status_listen: ""
            """);
        await ShipAsync(probeConfig);
        var ledger = await HandledAsync(spool, corpus.Files, repo);

        var spoolPath = (CorpusFile f) => Path.Combine(spool, Stream, f.RelativePath);
        var imports = await ImportsAsync();
        var tally = Check(corpus, spoolPath, Path.Combine(spool, ".quarantine", Stream), repo.Output, imports);
        foreach (var file in corpus.Bad.Where(f => f.Outcome == Outcome.Quarantined))
        {
            Assert.Equal("quarantined", ledger[file.RelativePath].State);
            Assert.Matches(file.ErrorFor(spoolPath(file)), ledger[file.RelativePath].Error);
        }

        // Still serving: a later file goes through.
        Directory.CreateDirectory(Path.GetDirectoryName(corpus.PathOf(corpus.Later))!);
        await File.WriteAllBytesAsync(corpus.PathOf(corpus.Later), corpus.LaterContent, TestTimeout.Token);
        await ShipAsync(probeConfig);
        await HandledAsync(spool, [corpus.Later], repo);
        Assert.Equal(corpus.Later.Rows, (await ImportsAsync())[spoolPath(corpus.Later)].Rows);
        Assert.False(repo.HasExited);
        Record("bad input: math_probe to math_repo", tally with { GoodFiles = tally.GoodFiles + 1, RowsImported = tally.RowsImported + corpus.Later.Rows });
    }

    [Fact]
    public async Task Through_the_importer_module_bad_files_are_quarantined_or_their_lines_named_and_every_good_row_arrives()
    {
        var logs = _directory.Combine("logs");
        var corpus = await BadInputCorpus.CreateAsync(logs, _directory.Combine("scratch"), rewrittenFlows: 40_000, TestTimeout.Token);
        // The newest period is held back (Tstat may still write it): one more, empty, after the corpus.
        var newest = Path.Combine(logs, TstatDirectoryLayout.PeriodFolder(BadInputCorpus.Start.AddMinutes(5 * 19)), TcpCompleteColumns.LogName);
        Directory.CreateDirectory(Path.GetDirectoryName(newest)!);
        await File.WriteAllTextAsync(newest, string.Empty, TestTimeout.Token);
        var quarantine = _directory.Combine("quarantine");
        var config = Write("repository.yaml", $"""
            modules:
              importer:
                interval: 200ms
                quarantine: {quarantine}
                folders:
                  - path: {logs}
                    stream: {Stream}
            """);
        await using var host = MathProcess.Start("mplane", ["repo", "run", "--config", config, "--only", "importer"], Environment());

        // Rewritten while the importer reads it: caught in the middle of its COPY (the only file of more
        // than a few hundred rows; its partition, created in the import's transaction, has no name others see yet).
        await UntilAsync(() => _database.ScalarAsync<bool>(
            "SELECT count(*) > 0 FROM pg_stat_progress_copy WHERE datname = current_database() AND tuples_processed > 1000"), host, "the rewritten file's import starts");
        await File.WriteAllBytesAsync(corpus.PathOf(corpus.Rewritten), corpus.RewrittenContent, TestTimeout.Token);

        var expectedImports = corpus.Files.Count(f => f.Outcome != Outcome.Quarantined);
        await UntilAsync(async () => (await ImportsAsync()).Count == expectedImports && corpus.Bad.Where(f => f.Outcome == Outcome.Quarantined).All(f => File.Exists(Path.Combine(quarantine, Stream, f.RelativePath))), host, "the corpus is through");
        Assert.True(host.CountLines("the file changed while it was read") > 0, host.Output);
        var tally = Check(corpus, corpus.PathOf, Path.Combine(quarantine, Stream), host.Output, await ImportsAsync());

        // Still serving: a later file is imported.
        var later = corpus.PathOf(corpus.Later);
        Directory.CreateDirectory(Path.GetDirectoryName(later)!);
        await File.WriteAllBytesAsync(later, corpus.LaterContent, TestTimeout.Token);
        await UntilAsync(async () => (await ImportsAsync()).ContainsKey(later), host, "the later file is imported");
        Assert.Equal(corpus.Later.Rows, (await ImportsAsync())[later].Rows);
        Assert.Equal(0, await host.StopAsync(Bound, TestTimeout.Token));
        Record("bad input: importer module", tally with { GoodFiles = tally.GoodFiles + 1, RowsImported = tally.RowsImported + corpus.Later.Rows });
    }

    /// <summary>Checks every corpus file's fate; returns the figures.</summary>
    private static BadInputTally Check(BadInputCorpus corpus, Func<CorpusFile, string> pathOf, string quarantine, string log, IReadOnlyDictionary<string, (long Rows, long Rejected)> imports)
    {
        var logLines = log.Split('\n');
        foreach (var file in corpus.Files)
        {
            var path = pathOf(file);
            switch (file.Outcome)
            {
                case Outcome.Quarantined:
                    Assert.False(imports.ContainsKey(path), $"{file.Kind} was imported");
                    Assert.False(File.Exists(path), $"{file.Kind} is still where it was");
                    var quarantined = Path.Combine(quarantine, file.RelativePath);
                    Assert.True(File.Exists(quarantined), $"{file.Kind} is not in the quarantine");
                    var error = File.ReadAllLines(quarantined + Quarantine.ErrorSuffix);
                    Assert.Contains($"file: {path}", error);
                    Assert.Contains(error, l => l.StartsWith("error: ", StringComparison.Ordinal) && file.ErrorFor(path).IsMatch(l));
                    Assert.Contains(error, l => Regex.IsMatch(l, @"^quarantined: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"));
                    Assert.Contains(logLines, l => l.Contains("fail:", StringComparison.Ordinal) && l.Contains("quarantined in", StringComparison.Ordinal) && file.ErrorFor(path).IsMatch(l));
                    break;
                case Outcome.LinesSkipped:
                    Assert.True(imports.TryGetValue(path, out var skipped), $"{file.Kind} was not imported");
                    Assert.Equal((file.Rows, true), (skipped.Rows, skipped.Rejected > 0));
                    Assert.Contains(logLines, l => l.Contains("warn:", StringComparison.Ordinal) && file.ErrorFor(path).IsMatch(l));
                    break;
                default:
                    Assert.True(imports.TryGetValue(path, out var imported), $"{file.Kind} {path} was not imported");
                    Assert.Equal((file.Rows, 0L), imported);
                    break;
            }
        }

        var arrived = corpus.Files.Where(f => f.Outcome != Outcome.Quarantined).Sum(f => imports[pathOf(f)].Rows);
        var expected = corpus.Files.Where(f => f.Outcome != Outcome.Quarantined).Sum(f => f.Rows);
        return new BadInputTally(
            corpus.Bad.Count(),
            corpus.Bad.Count(f => f.Outcome == Outcome.Quarantined),
            corpus.Bad.Count(f => f.Outcome == Outcome.LinesSkipped),
            corpus.Bad.Count(f => f.Outcome == Outcome.RetriedThenImported),
            corpus.Files.Count(f => f.Outcome == Outcome.Imported),
            arrived,
            expected - arrived);
    }

    private void Record(string scenario, BadInputTally tally)
    {
        output.WriteLine($"{scenario}: {tally}");
        ReliabilityRun.Record(scenario, "bad inputs tried (each between good files)", tally.Tried);
        ReliabilityRun.Record(scenario, "quarantined, the error beside naming the file (and line)", tally.Quarantined);
        ReliabilityRun.Record(scenario, "imported without their bad lines, each logged with file and line", tally.LinesSkipped);
        ReliabilityRun.Record(scenario, "rewritten while read: not quarantined, read again, imported", tally.Retried);
        ReliabilityRun.Record(scenario, "good files imported in full", tally.GoodFiles);
        ReliabilityRun.Record(scenario, "good rows imported", tally.RowsImported);
        ReliabilityRun.Record(scenario, "good rows lost", tally.RowsLost);
    }

    /// <summary>The corpus's rewritten file as it would arrive when rewritten after the probe hashed it: 422.</summary>
    private static async Task<HttpStatusCode> PutChangedAsync(HttpClient http, Uri repository, BadInputCorpus corpus)
    {
        var hashed = await File.ReadAllBytesAsync(corpus.PathOf(corpus.Rewritten), TestTimeout.Token);
        var sent = corpus.RewrittenContent[..hashed.Length];
        sent[^2] ^= 1; // the rewrite changed bytes of the part sent, not only added some
        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(repository, PushProtocol.FilePath(Stream, corpus.Rewritten.RelativePath))) { Content = new ByteArrayContent(sent) };
        put.Headers.Add(PushProtocol.OffsetHeader, "0");
        put.Headers.Add(PushProtocol.LengthHeader, hashed.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        put.Headers.Add(PushProtocol.Sha256Header, Convert.ToHexStringLower(SHA256.HashData(hashed)));
        put.Headers.Add(PushProtocol.StreamTypeHeader, "log_tcp_complete_v15");
        using var response = await http.SendAsync(put, TestTimeout.Token);
        return response.StatusCode;
    }

    /// <summary>math_probe ships every file, the newest period too, and exits 0 once all are acknowledged.</summary>
    private async Task ShipAsync(string probeConfig)
    {
        await using var probe = MathProcess.Start("math_probe", ["--config", probeConfig, "--once", "--final"], Environment());
        var exit = await probe.WaitForExitAsync(Bound, TestTimeout.Token);
        Assert.True(exit == 0, probe.Output);
    }

    /// <summary>Waits until math_repo's ledger has handled (or refused) every one of <paramref name="files"/>; returns the ledger's last entries by path.</summary>
    private static async Task<Dictionary<string, LedgerEntry>> HandledAsync(string spool, IEnumerable<CorpusFile> files, MathProcess repo)
    {
        var wanted = files.Select(f => f.RelativePath).ToList();
        var entries = new Dictionary<string, LedgerEntry>();
        await UntilAsync(
            async () =>
            {
                entries = await ReadLedgerAsync(Path.Combine(spool, "ledger.jsonl"));
                return wanted.All(p => entries.GetValueOrDefault(p)?.State is "handled" or "quarantined" or "failed");
            },
            repo,
            "math_repo handled every file");
        return entries;
    }

    private static async Task<Dictionary<string, LedgerEntry>> ReadLedgerAsync(string path)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(file);
        var entries = new Dictionary<string, LedgerEntry>();
        while (await reader.ReadLineAsync(TestTimeout.Token) is { } line)
        {
            if (line.EndsWith('}') && JsonConvert.DeserializeObject<LedgerEntry>(line) is { } entry)
            {
                entries[entry.Path] = entry;
            }
        }

        return entries;
    }

    /// <summary>The import ledger: rows and rejected lines per file path.</summary>
    private async Task<IReadOnlyDictionary<string, (long Rows, long Rejected)>> ImportsAsync()
    {
        var imports = new Dictionary<string, (long, long)>();
        if (!await _database.ScalarAsync<bool>("SELECT to_regclass('mplane.imports') IS NOT NULL"))
        {
            return imports;
        }

        await using var command = _database.DataSource.CreateCommand("SELECT path, row_count, rejected_rows FROM mplane.imports WHERE stream = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = Stream });
        await using var reader = await command.ExecuteReaderAsync(TestTimeout.Token);
        while (await reader.ReadAsync(TestTimeout.Token))
        {
            imports[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        }

        return imports;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, MathProcess program, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!await condition())
        {
            Assert.False(program.HasExited, $"{program.Program} exited before {what}:\n{program.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"not within {Bound.TotalSeconds:0} s: {what}; {program.Program} wrote:\n{program.Output}");
            await Task.Delay(10, TestTimeout.Token);
        }
    }

    private Dictionary<string, string> Environment() => new() { ["MPLANE_PG"] = _database.ConnectionString };

    private string Write(string name, string text)
    {
        var path = _directory.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>One path's figures.</summary>
    private sealed record BadInputTally(int Tried, int Quarantined, int LinesSkipped, int Retried, int GoodFiles, long RowsImported, long RowsLost);
}
