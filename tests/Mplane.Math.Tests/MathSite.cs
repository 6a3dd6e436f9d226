using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Math.Probe;
using Mplane.Math.Repo;
using Mplane.Math.Transfer;
using Mplane.Testing;
using Npgsql;

namespace Mplane.Math.Tests;

/// <summary>
/// A probe site and a repository for one test: a private PKI, a spool, a repository started from a
/// YAML configuration (as an operator writes it), and probe settings shipping the real Tstat samples.
/// </summary>
internal sealed class MathSite : IAsyncDisposable
{
    public const string Stream = "log_tcp_complete";

    /// <summary>The real samples, oldest first: the newest is held back while Tstat may still write it.</summary>
    public const string First = "2015/02-Feb/2015_02_27_22_30.out/log_tcp_complete";

    public const string Second = "2015/02-Feb/2015_02_27_23_30.out/log_tcp_complete";

    public const string Newest = "2015/02-Feb/2015_02_28_00_30.out/log_tcp_complete";

    private readonly List<IAsyncDisposable> _started = [];

    public MathSite()
    {
        Pki = new TestPki();
        Directory = new TemporaryDirectory("math");
        Server = Pki.Server("Math-Repo-1"); // not Repository-1: that is the repository proxy's client certificate, and TestPki names files by subject
        Probe1 = Pki.Client("Probes", "Probe-1");
        Intruder = Pki.Client("Probes", "Intruder");
        Operator = Pki.Client("Operators", "Op-1");
        Repository = Pki.Client("Repositories", "Repository-1");
    }

    public TestPki Pki { get; }

    public TemporaryDirectory Directory { get; }

    public (string Cert, string Key) Server { get; }

    public (string Cert, string Key) Probe1 { get; }

    public (string Cert, string Key) Intruder { get; }

    public (string Cert, string Key) Operator { get; }

    /// <summary>The mPlane repository proxy, which opens collections.</summary>
    public (string Cert, string Key) Repository { get; }

    public string Spool => Directory.Combine("spool");

    /// <summary>The repository's YAML: mutual TLS, Probe-1 may send log_* streams, the operator may read the status, the repository proxy may open collections.</summary>
    public string TlsYaml(string extra = "", string listen = "127.0.0.1:0") => $"""
        listen: {listen}
        tls:
          cert: {Server.Cert}
          key: {Server.Key}
          ca_chain: {Pki.CaFile}
        roles:
          org.mplane.SSB.Probes.Probe-1: probes
          org.mplane.SSB.Probes.Intruder: guests
          org.mplane.SSB.Operators.Op-1: operators
          org.mplane.SSB.Repositories.Repository-1: repository
        authorizations:
          log_: probes
          math_repo-status: operators
          math_repo-collect: repository
        spool: {Spool}
        handler: copy
        {extra}
        """;

    public async Task<RepoHost> StartRepoAsync(string yaml, NpgsqlDataSource? warehouse = null)
    {
        var settings = Mplane.Configuration.YamlConfigurationReader.Parse<RepoConfiguration>(yaml, "math_repo.yaml").Validate("math_repo.yaml", Directory.Path);
        var host = await RepoHost.StartAsync(settings, warehouse, NullLoggerFactory.Instance, TestTimeout.Token);
        _started.Add(host);
        return host;
    }

    /// <summary>Stops a repository early (a restart); disposing the site stops the rest.</summary>
    public async Task StopAsync(RepoHost host)
    {
        _started.Remove(host);
        await host.DisposeAsync();
    }

    /// <summary>Push-mode settings shipping the real Tstat samples to <paramref name="repository"/>.</summary>
    public ProbeSettings PushSettings(
        Uri repository, (string Cert, string Key)? client = null, string? token = null, string ledger = "probe.ledger.jsonl",
        string? directory = null, string stream = Stream, string type = "log_tcp_complete_v15")
    {
        var configuration = new ProbeConfiguration
        {
            Mode = "push",
            Directory = directory ?? TestPaths.TstatSamples,
            StreamName = stream,
            StreamType = type,
            Repository = repository.ToString(),
            Ledger = Directory.Combine(ledger),
            Token = token,
            Tls = client is { } c ? new Transfer.Configuration.TlsSection { Cert = c.Cert, Key = c.Key, CaChain = Pki.CaFile } : null,
        };
        return configuration.Validate("math_probe.yaml", Directory.Path);
    }

    public async Task<(PushUploader Uploader, IHttpClientFactory Clients, TransferLedger Ledger)> UploaderAsync(ProbeSettings settings)
    {
        var services = ProbeHttp.CreateServices(settings);
        _started.Add(services);
        var ledger = await TransferLedger.OpenAsync(settings.LedgerPath, TestTimeout.Token);
        _started.Add(ledger);
        return (new PushUploader(settings, services.Factory(), ledger, NullLogger<PushUploader>.Instance) { MaxAttempts = 4, RetryDelay = TimeSpan.FromMilliseconds(50) }, services.Factory(), ledger);
    }

    /// <summary>An HTTP client presenting <paramref name="client"/> (or no certificate), trusting the site's CA for the server.</summary>
    public HttpClient RawClient((string Cert, string Key)? client)
    {
        var ca = new Security.PrivateCa(Security.CertificateFiles.LoadBundle(Pki.CaFile));
        var handler = new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                ClientCertificates = client is { } c ? [Security.CertificateFiles.LoadWithKey(c.Cert, c.Key)] : null,
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                    certificate is System.Security.Cryptography.X509Certificates.X509Certificate2 server && ca.Trusts(server, chain),
            },
        };
        var http = new HttpClient(handler);
        _started.Add(new HttpDisposer(http));
        return http;
    }

    public string SourceOf(string relative) => Path.Combine(TestPaths.TstatSamples, relative);

    public string StoredOf(string relative) => Path.Combine(Spool, Stream, relative);

    public async ValueTask DisposeAsync()
    {
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            await _started[i].DisposeAsync();
        }

        Directory.Dispose();
        Pki.Dispose();
    }

    private sealed class HttpDisposer(HttpClient http) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            http.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
