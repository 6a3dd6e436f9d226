using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Components.Runtime;
using Mplane.Components.Transport;
using Mplane.Math.Transfer;
using Mplane.Protocol.Matching;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.RepositoryProxy;
using Mplane.Security;
using Mplane.Testing;

namespace Mplane.Math.Tests;

/// <summary>
/// The whole chain over real loopback mutual TLS: an mPlane client asks the repository proxy for
/// repository-collect_log; the proxy opens a collection on math_repo; a math_probe run pushes the
/// Tstat samples into the warehouse; at the scope's end the result reports the files and rows that arrived.
/// </summary>
public sealed class CollectLogEndToEndTests
{
    [Fact]
    public async Task Collect_log_followed_by_a_math_probe_run_reports_the_files_and_rows_that_arrived()
    {
        await using var database = await TestDatabase.CreateAsync("collectlog", TestTimeout.Token);
        await using var site = new MathSite();
        await using var chain = await Chain.StartAsync(site, database);

        // The client asks for a collection of the next seconds, and gets a receipt.
        var receipt = Assert.IsType<Statement>(await chain.PostAsync(chain.Specification("now + 4s")));
        Assert.Equal(MessageKind.Receipt, receipt.Kind);

        // math_probe runs within the scope: the two finished files arrive and are imported.
        Assert.Equal(2, await chain.PushAsync());

        var result = await chain.RedeemAsync(receipt);
        Assert.Equal(MessageKind.Result, result.Kind);
        Assert.Equal(["log.type", "repository.files", "repository.files.failed", "repository.bytes", "repository.rows"], result.Results);
        var row = Assert.Single(result.ResultValues);
        Assert.Equal([MathSite.Stream, "2", "0", chain.SamplesBytes, "330"], row);
        Assert.Equal(330L, await database.ScalarAsync<long>("SELECT count(*) FROM log_tcp_complete"));
    }

    [Fact]
    public async Task An_open_ended_collection_is_ended_by_an_interrupt_and_reports_what_came_until_then()
    {
        await using var database = await TestDatabase.CreateAsync("collectlog", TestTimeout.Token);
        await using var site = new MathSite();
        await using var chain = await Chain.StartAsync(site, database);

        var receipt = Assert.IsType<Statement>(await chain.PostAsync(chain.Specification("now ... future")));
        Assert.Equal(2, await chain.PushAsync());
        Assert.IsType<Statement>(await chain.PostAsync(receipt with { Kind = MessageKind.Interrupt }));

        var result = await chain.RedeemAsync(receipt);
        Assert.Equal(MessageKind.Result, result.Kind);
        Assert.Equal([MathSite.Stream, "2", "0", chain.SamplesBytes, "330"], Assert.Single(result.ResultValues));
        var report = await chain.Collections.ReportAsync(await chain.LastCollectionIdAsync(), TestTimeout.Token);
        Assert.True(report.Ended); // math_repo's collection was closed, not left open
    }

    /// <summary>math_repo with the warehouse handler, the repository proxy in front of it, a client and a probe.</summary>
    private sealed class Chain : IAsyncDisposable
    {
        private readonly MathSite _site;
        private readonly HttpClient _toMathRepo;
        private readonly HttpClient _client;
        private readonly Microsoft.AspNetCore.Builder.WebApplication _proxy;
        private readonly Uri _proxyAddress;
        private readonly Uri _mathRepo;

        private Chain(MathSite site, HttpClient toMathRepo, HttpClient client, Microsoft.AspNetCore.Builder.WebApplication proxy, CollectLogService service, Uri mathRepo)
        {
            _site = site;
            _toMathRepo = toMathRepo;
            _client = client;
            _proxy = proxy;
            _proxyAddress = new Uri(proxy.Urls.First());
            _mathRepo = mathRepo;
            Service = service;
            Collections = new MathRepoCollections(toMathRepo, mathRepo);
        }

        public CollectLogService Service { get; }

        public MathRepoCollections Collections { get; }

        public string SamplesBytes =>
            (new FileInfo(_site.SourceOf(MathSite.First)).Length + new FileInfo(_site.SourceOf(MathSite.Second)).Length).ToString(System.Globalization.CultureInfo.InvariantCulture);

        public static async Task<Chain> StartAsync(MathSite site, TestDatabase database)
        {
            var repo = await site.StartRepoAsync(site.TlsYaml().Replace("handler: copy", "handler: warehouse", StringComparison.Ordinal), database.DataSource);
            var ca = new PrivateCa(CertificateFiles.LoadBundle(site.Pki.CaFile));
            var toMathRepo = new HttpClient(new SocketsHttpHandler { SslOptions = MutualTls.ClientOptions(CertificateFiles.LoadWithKey(site.Repository.Cert, site.Repository.Key), ca) });
            var service = new CollectLogService(
                new MathRepoCollections(toMathRepo, repo.Address),
                new CollectLogSettings($"{repo.Address.Host}:{repo.Address.Port}", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100)),
                RepositoryCapabilities.Metadata("repository-Proxy", "0.1"),
                NullLogger<CollectLogService>.Instance);
            var proxyServer = site.Pki.Server("Proxy-1");
            var client = site.Pki.Client("Clients", "Client-1");
            var access = ConfFile.Parse("[Roles]\norg.mplane.SSB.Clients.Client-1 = guest\n[Authorizations]\nrepository-collect_log = guest\n", "proxy.conf").AccessPolicy();
            var proxy = ComponentListener.Build(
                new ListenerSettings(new IPEndPoint(IPAddress.Loopback, 0), string.Empty, access, CertificateFiles.LoadWithKey(proxyServer.Cert, proxyServer.Key), ca, TimeSpan.FromMilliseconds(500)),
                [service], new SpecificationCheck(new RegistryCatalog()), new JobTable());
            await proxy.StartAsync(TestTimeout.Token);
            var http = new HttpClient(new SocketsHttpHandler { SslOptions = MutualTls.ClientOptions(CertificateFiles.LoadWithKey(client.Cert, client.Key), ca) });
            return new Chain(site, toMathRepo, http, proxy, service, repo.Address);
        }

        public Statement Specification(string when) => Service.Capability with
        {
            Kind = MessageKind.Specification,
            Label = "repository-collect_log-0",
            When = when,
            Token = Guid.NewGuid().ToString("N"),
            Parameters = new Dictionary<string, string> { ["repository.url"] = Service.Capability.Parameters["repository.url"] },
        };

        public async Task<Message> PostAsync(Message message)
        {
            using var reply = await _client.PostAsync(_proxyAddress, MplaneHttp.Content(message), TestTimeout.Token);
            return await MplaneHttp.ReadAsync(reply, TestTimeout.Token);
        }

        /// <summary>One math_probe pass over the samples (the newest file held back, as Tstat may still write it).</summary>
        public async Task<int> PushAsync()
        {
            var (uploader, _, _) = await _site.UploaderAsync(_site.PushSettings(_mathRepo, _site.Probe1));
            return await uploader.PassAsync(includeNewest: false, TestTimeout.Token);
        }

        /// <summary>Redeems the receipt until the job is done.</summary>
        public async Task<Statement> RedeemAsync(Statement receipt)
        {
            while (true)
            {
                await Task.Delay(250, TestTimeout.Token);
                var answer = Assert.IsType<Statement>(await PostAsync(receipt with { Kind = MessageKind.Redemption }));
                if (answer.Kind != MessageKind.Receipt)
                {
                    return answer;
                }
            }
        }

        /// <summary>The id of the collection the proxy opened last, from math_repo's own state file.</summary>
        public async Task<string> LastCollectionIdAsync()
        {
            var state = Newtonsoft.Json.Linq.JToken.Parse(await File.ReadAllTextAsync(Path.Combine(_site.Spool, "collections.json"), TestTimeout.Token));
            return (string)state.SelectTokens("$..Id").Last()!;
        }

        public async ValueTask DisposeAsync()
        {
            await _proxy.DisposeAsync();
            _client.Dispose();
            _toMathRepo.Dispose();
        }
    }
}
