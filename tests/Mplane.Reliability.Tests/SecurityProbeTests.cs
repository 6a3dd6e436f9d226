using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Mplane.Host;
using Mplane.LogFormats.Scanning;
using Mplane.Protocol.Messages;
using Mplane.Reliability.Tests.Security;
using Mplane.Reliability.Tests.Transfer;
using Mplane.RepositoryProxy;
using Mplane.Testing;
using Mplane.Warehouse.Import;
using Xunit.Abstractions;

namespace Mplane.Reliability.Tests;

/// <summary>
/// Security probes against the real servers: math_repo (as a process, mutual TLS and tokens), the
/// status server (status API, dashboard, metrics, stream tables' API) and the repository proxy's mPlane
/// listener (mutual TLS). Every probe is refused with the right status, the refusal is logged, nothing
/// changes (files under the test's folder, the database's relations and rows), and no answer discloses
/// a file's content.
/// </summary>
public sealed class SecurityProbeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Canary = "canary-7c1f0d: not to be read through any server";
    private static readonly string[] Secrets = [Canary, "root:x:0:0"];

    private readonly TemporaryDirectory _directory = new("probes");
    private readonly TestPki _pki = new();
    private readonly TestPki _otherCa = new("Other-CA");
    private TestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("probes", TestTimeout.Token);
        await File.WriteAllTextAsync(_directory.Combine("canary.txt"), Canary, TestTimeout.Token);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _otherCa.Dispose();
        _pki.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Math_repo_refuses_every_probe_with_the_right_status_logs_it_and_nothing_changes()
    {
        var server = _pki.Server("Math-Repo-1");
        var (probe, intruder, proxy) = (_pki.Client("Probes", "Probe-1"), _pki.Client("Probes", "Intruder"), _pki.Client("Repositories", "Repository-1"));
        var config = _directory.Combine("math_repo.yaml");
        await File.WriteAllTextAsync(config, $"""
            listen: 127.0.0.1:0
            tls:
              cert: {server.Cert}
              key: {server.Key}
              ca_chain: {_pki.CaFile}
            tokens:
              token-of-a-guest-0123456789: org.mplane.SSB.Guests.Guest-1
            roles:
              org.mplane.SSB.Probes.Probe-1: probes
              org.mplane.SSB.Probes.Intruder: guests
              org.mplane.SSB.Repositories.Repository-1: repository
            authorizations:
              log_: probes
              math_repo-collect: repository
            spool: {_directory.Combine("spool")}
            handler: warehouse
            max_file_size: 1 MB
            """, TestTimeout.Token);
        await using var repo = MathProcess.Start("math_repo", ["--config", config], new Dictionary<string, string> { ["MPLANE_PG"] = _database.ConnectionString });
        var address = new Uri((await repo.WaitForOutputAsync(new Regex(@"listening on (\S+)"), TimeSpan.FromSeconds(30), TestTimeout.Token)).Groups[1].Value);
        using var anonymous = PkiHttp.Create(_pki, null);
        using var otherCa = PkiHttp.Create(_pki, _otherCa.Client("Probes", "Probe-1"));
        using var intruderHttp = PkiHttp.Create(_pki, intruder);
        using var probeHttp = PkiHttp.Create(_pki, probe);
        using var proxyHttp = PkiHttp.Create(_pki, proxy);
        var clients = new MathRepoClients(anonymous, otherCa, intruderHttp, probeHttp, proxyHttp, PkiHttp.Tls(_pki, probe));

        var refusals = new Regex("(?i)refused|not valid gzip");
        var tally = await new ProbeBattery(
            () => repo.Output.Split('\n').Count(refusals.IsMatch),
            ct => EffectSnapshot.TakeAsync(_directory.Path, _database.DataSource, ct),
            Secrets).FireAsync(MathRepoProbes.For(address, clients), TestTimeout.Token);

        // Still serving the probe it should.
        var head = await ProbeRequests.SendAsync(probeHttp, HttpMethod.Head, new Uri(address, "/math/v1/streams/log_tcp_complete/files/a.out/x"), TestTimeout.Token);
        Assert.Equal(200, head.Status);
        Report("security: math_repo", tally, "mutual TLS and tokens");
    }

    [Fact]
    public async Task The_status_API_and_dashboard_refuse_every_probe_with_the_right_status_log_it_and_nothing_changes()
    {
        await ImportSamplesAsync();
        const string token = "streams-token-0123456789abcdef";
        using var logs = new LogCapture();
        await using var app = StatusServer.Build(_database.DataSource, 0, logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug), token);
        await app.StartAsync(TestTimeout.Token);
        var address = StatusServer.Address(app);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        // What the pages read, once, so that the catalogue and the alarms' table exist before the baseline.
        foreach (var page in new[] { "/status", "/status/alarms", "/status/modules", "/metrics", "/dashboard/", "/status/series?table=log_tcp_complete&columns=c_bytes_all" })
        {
            Assert.Equal(200, (await ProbeRequests.SendAsync(http, HttpMethod.Get, new Uri(address, page), TestTimeout.Token)).Status);
        }

        // Ours, Kestrel's (a request too large to reach the application, at debug level) and ASP.NET's host filter's (information).
        var refusals = new Regex("Refused|bad request data|does not match an allowed host");
        var tally = await new ProbeBattery(
            () => logs.Count(refusals.IsMatch),
            ct => EffectSnapshot.TakeAsync(_directory.Path, _database.DataSource, ct),
            Secrets).FireAsync(StatusProbes.For(address, http, token), TestTimeout.Token);

        Assert.Equal(200, (await ProbeRequests.SendAsync(http, HttpMethod.Get, new Uri(address, "/status"), TestTimeout.Token)).Status);
        await app.StopAsync(TestTimeout.Token);
        Report("security: status API and dashboard", tally, "loopback only, no authentication by design (loopback is the boundary; the stream tables' API needs its token)");
    }

    [Fact]
    public async Task The_mPlane_listener_refuses_every_probe_with_the_right_answer_logs_it_and_nothing_changes()
    {
        await ImportSamplesAsync();
        var server = _pki.Server("Repository-Proxy-1");
        var (client, intruder) = (_pki.Client("Clients", "Client-1"), _pki.Client("Clients", "Intruder"));
        var conf = _directory.Combine("repository-proxy.conf");
        await File.WriteAllTextAsync(conf, $"""
            [TLS]
            cert = {server.Cert}
            key = {server.Key}
            ca-chain = {_pki.CaFile}

            [Roles]
            org.mplane.SSB.Clients.Client-1 = guest
            org.mplane.SSB.Clients.Intruder = nobody

            [Authorizations]
            repository-list_tables = guest
            repository-query_view = guest

            [component]
            workflow = client-initiated
            listen-port = 0

            [repository]
            math_repo = https://127.0.0.1:1/
            """, TestTimeout.Token);
        using var logs = new LogCapture();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestTimeout.Token);
        var running = ProxyRunner.RunAsync(conf, _database.DataSource, logs, stop.Token);
        var listener = await ListeningAsync(logs, running);
        using var anonymous = PkiHttp.Create(_pki, null);
        using var otherCa = PkiHttp.Create(_pki, _otherCa.Client("Clients", "Client-1"));
        using var intruderHttp = PkiHttp.Create(_pki, intruder);
        using var clientHttp = PkiHttp.Create(_pki, client);

        // The authorized client is served: a query of the samples.
        var queryView = await ListenerProbes.CapabilityAsync(clientHttp, listener, "repository-query_view", TestTimeout.Token);
        var served = await ProbeRequests.SendAsync(
            clientHttp, HttpMethod.Post, listener, TestTimeout.Token,
            ProbeRequests.Text(MessageCodec.Write(ListenerProbes.Query(queryView, "repository.view=log_tcp_complete")), MessageCodec.ContentType));
        Assert.Equal(MessageKind.Result, MessageCodec.Parse(served.Body).Kind);

        var refusals = new Regex("Refused|refused the specification|Failed to authenticate HTTPS connection");
        var tally = await new ProbeBattery(
            () => logs.Count(refusals.IsMatch),
            ct => EffectSnapshot.TakeAsync(_directory.Path, _database.DataSource, ct),
            Secrets).FireAsync(ListenerProbes.For(listener, new ListenerClients(anonymous, otherCa, intruderHttp, clientHttp, PkiHttp.Tls(_pki, client)), queryView), TestTimeout.Token);

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(15), TestTimeout.Token);
        Report("security: mPlane listener", tally, "mutual TLS; refusals are mPlane exceptions (200), as the reference answers");
    }

    private void Report(string scenario, ProbeTally tally, string stance)
    {
        output.WriteLine($"{scenario}: {tally.Fired} probes, {tally.Refused} refused, {tally.Logged} logged ({tally.FrameworkLogged} by ASP.NET Core only), {tally.WithEffect} with an effect");
        Assert.True(tally.Failures.Count == 0, string.Join("\n", tally.Failures));
        ReliabilityRun.Record(scenario, "access", stance);
        ReliabilityRun.Record(scenario, "probes fired", tally.Fired);
        ReliabilityRun.Record(scenario, "refused with the right status", tally.Refused);
        ReliabilityRun.Record(scenario, "refusals logged", tally.Logged);
        ReliabilityRun.Record(scenario, "of which logged by ASP.NET Core/Kestrel only (debug or information)", tally.FrameworkLogged);
        ReliabilityRun.Record(scenario, "probes with an effect", tally.WithEffect);
    }

    /// <summary>The real Tstat samples in <c>log_tcp_complete</c>: a table for the probes to aim at.</summary>
    private async Task ImportSamplesAsync()
    {
        var importer = new Importer(_database.DataSource);
        foreach (var file in InputFiles.Expand([TestPaths.TstatSamples], "log_tcp_complete"))
        {
            await importer.ImportFileAsync(file, new ImportOptions { Stream = "log_tcp_complete" }, TestTimeout.Token);
        }
    }

    /// <summary>The listener's address, once the runner announces it.</summary>
    private static async Task<Uri> ListeningAsync(LogCapture logs, Task running)
    {
        var pattern = new Regex(@"listening on (\S+)");
        while (true)
        {
            if (logs.Lines.Select(l => pattern.Match(l)).FirstOrDefault(m => m.Success) is { } match)
            {
                return new Uri(match.Groups[1].Value);
            }

            Assert.False(running.IsCompleted, running.Exception?.ToString() ?? "the proxy ended without listening");
            await Task.Delay(20, TestTimeout.Token);
        }
    }
}
