using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Components.Client;
using Mplane.Components.Runtime;
using Mplane.Components.Transport;
using Mplane.Protocol.Matching;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Security;
using Mplane.Testing;

namespace Mplane.Components.Tests;

/// <summary>
/// The component-initiated workflow end to end over loopback mutual TLS: our component runtime
/// (<see cref="SupervisorClient"/>) registers with our client's <see cref="ComponentInbox"/>, polls
/// for the specification queued for it, and posts its receipt and result back.
/// </summary>
public sealed class ComponentInboxTests : IAsyncLifetime
{
    private readonly TestPki _pki = new();
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(TestTimeout.Token);
    private ComponentInbox _inbox = null!;
    private PrivateCa _ca = null!;
    private Task _component = Task.CompletedTask;
    private Exception? _componentEnded;
    private HttpClient _componentHttp = null!;

    public async Task InitializeAsync()
    {
        _ca = new PrivateCa(CertificateFiles.LoadBundle(_pki.CaFile));
        var client = _pki.Server("Client-1"); // the client listens: its certificate serves TLS
        _inbox = await ComponentInbox.StartAsync(
            new InboxSettings(new IPEndPoint(IPAddress.Loopback, 0), new Uri("https://127.0.0.1:1/register/result"), Certificate: CertificateFiles.LoadWithKey(client.Cert, client.Key), Ca: _ca),
            TestTimeout.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAny(_component, Task.Delay(5000));
        _componentHttp?.Dispose();
        await _inbox.DisposeAsync();
        _stop.Dispose();
        _pki.Dispose();
    }

    [Fact]
    public async Task A_specification_queued_for_a_registered_component_comes_back_as_receipt_then_result()
    {
        var component = StartComponent("[Roles]\norg.mplane.SSB.Repositories.Client-1 = guest\n[Authorizations]\nping = guest\n");
        var registered = await _inbox.WaitForAsync(c => c.Capability.Label == "ping-detail", TimeSpan.FromSeconds(20), TestTimeout.Token);
        Assert.Equal("org.mplane.SSB.Components.Component-1", registered.Component);
        Assert.DoesNotContain(_inbox.Capabilities, c => c.Capability.Label == "callback");

        var specification = new SpecificationBuilder(new RegistryCatalog()).Build(registered.Capability, ["destination.ip4=10.0.0.1"], "now + 1s", DateTimeOffset.UtcNow);
        _inbox.Queue(registered.Component, specification);

        var receipt = Assert.IsType<Statement>(await _inbox.NextReplyAsync(specification.Token!, TestTimeout.Token));
        Assert.Equal(MessageKind.Receipt, receipt.Kind);
        var result = Assert.IsType<Statement>(await _inbox.NextReplyAsync(specification.Token!, TestTimeout.Token));
        Assert.Equal(MessageKind.Result, result.Kind);
        Assert.Equal(ClientSite.Rows, result.ResultValues);
        Assert.Equal("https://127.0.0.1:1/register/result", component.Ran.Single().Link); // the inbox's link travels with the specification
    }

    [Fact]
    public async Task A_component_not_authorized_for_the_client_offers_it_nothing()
    {
        StartComponent("[Roles]\norg.mplane.SSB.Repositories.Someone-Else = guest\n[Authorizations]\nping = guest\n");
        await Assert.ThrowsAsync<TimeoutException>(() => _inbox.WaitForAsync(_ => true, TimeSpan.FromSeconds(2), TestTimeout.Token));
        await _component;
        Assert.Contains("no capability is authorized", Assert.IsType<NothingToOfferException>(_componentEnded).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_registrant_roles_the_inbox_refuses_capabilities_not_granted_to_the_component()
    {
        await _inbox.DisposeAsync();
        var client = _pki.Server("Client-1");
        var registrants = ConfFile.Parse("[Roles]\norg.mplane.SSB.Components.Component-1 = probes\n[Authorizations]\ntstat- = probes\n", "client.conf").AccessPolicy();
        _inbox = await ComponentInbox.StartAsync(
            new InboxSettings(new IPEndPoint(IPAddress.Loopback, 0), new Uri("https://127.0.0.1:1/register/result"), Certificate: CertificateFiles.LoadWithKey(client.Cert, client.Key), Ca: _ca, Registrants: registrants),
            TestTimeout.Token);
        var component = _pki.Client("Components", "Component-1");
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = MutualTls.ClientOptions(CertificateFiles.LoadWithKey(component.Cert, component.Key), _ca) });
        var ping = new RecordingPing().Capability;
        using var reply = await http.PostAsync(new Uri(_inbox.Address, "/register/capability"), MplaneHttp.Content(new Envelope([ping, Callback.Capability(ping.Registry)])), TestTimeout.Token);
        Assert.Equal("""{"ping-detail":{"registered":"no","reason":"Not authorized"},"callback":{"registered":"ok"}}""", await reply.Content.ReadAsStringAsync(TestTimeout.Token));
        Assert.Empty(_inbox.Capabilities);
    }

    [Fact]
    public async Task Replies_count_only_from_the_component_the_specification_was_queued_for()
    {
        var someone = _pki.Client("Components", "Someone");
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = MutualTls.ClientOptions(CertificateFiles.LoadWithKey(someone.Cert, someone.Key), _ca) });
        var specification = new RecordingPing().Capability with { Kind = MessageKind.Specification, Token = "feedfeedfeedfeedfeedfeedfeedfeed", When = "now" };
        _inbox.Queue("org.mplane.SSB.Components.Component-1", specification);

        using var forged = await http.PostAsync(new Uri(_inbox.Address, "/register/result"), MplaneHttp.Content(specification with { Kind = MessageKind.Result }), TestTimeout.Token);
        Assert.Equal(HttpStatusCode.OK, forged.StatusCode); // acknowledged as the reference does, and dropped
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await _inbox.NextReplyAsync(specification.Token, wait.Token));
        using var poll = await http.GetAsync(new Uri(_inbox.Address, "/show/specification"), TestTimeout.Token);
        Assert.Empty(Assert.IsType<Envelope>(await MplaneHttp.ReadAsync(poll, TestTimeout.Token)).Contents); // queued for another identity
    }

    [Fact]
    public async Task Strangers_without_a_certificate_of_the_ca_are_refused_at_the_handshake_and_bad_content_types_get_400()
    {
        using var anonymous = new HttpClient(new SocketsHttpHandler { SslOptions = MutualTls.ClientOptions(null, _ca) });
        await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.GetAsync(new Uri(_inbox.Address, "/show/specification"), TestTimeout.Token));

        var someone = _pki.Client("Components", "Someone");
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = MutualTls.ClientOptions(CertificateFiles.LoadWithKey(someone.Cert, someone.Key), _ca) });
        using var json = new StringContent("{}");
        json.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var refused = await http.PostAsync(new Uri(_inbox.Address, "/register/capability"), json, TestTimeout.Token);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        using var poll = await http.GetAsync(new Uri(_inbox.Address, "/show/specification/"), TestTimeout.Token);
        Assert.Empty(Assert.IsType<Envelope>(await MplaneHttp.ReadAsync(poll, TestTimeout.Token)).Contents); // nothing queued: an empty envelope, never 404 or 428
    }

    /// <summary>Our component (ping-detail answering <see cref="ClientSite.Rows"/>) registering with the inbox under <paramref name="access"/>.</summary>
    private RecordingPing StartComponent(string access)
    {
        var certificate = _pki.Client("Components", "Component-1");
        var conf = ConfFile.Parse(
            $"[TLS]\ncert = x\n{access}[component]\nclient_host = 127.0.0.1\nclient_port = {_inbox.Address.Port}\nregistration_path = register/capability\nspecification_path = show/specification\nresult_path = register/result\npoll_interval = 0.1",
            "component.conf");
        _componentHttp = new HttpClient(new SocketsHttpHandler { SslOptions = MutualTls.ClientOptions(CertificateFiles.LoadWithKey(certificate.Cert, certificate.Key), _ca) });
        var service = new RecordingPing();
        var runtime = new SupervisorClient(
            ComponentSettings.From(conf), [service], _componentHttp, new SpecificationCheck(new RegistryCatalog()), "org.mplane.SSB.Repositories.Client-1", NullLogger<SupervisorClient>.Instance);
        _component = Task.Run(async () =>
        {
            try
            {
                await runtime.RunAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
            {
                _componentEnded = e; // stopped, or nothing authorized to offer
            }
        });
        return service;
    }

    private sealed class RecordingPing : IService
    {
        public List<Statement> Ran { get; } = [];

        public Statement Capability { get; } = new Statement(MessageKind.Capability, "measure")
        {
            Registry = RegistryCatalog.CoreUri,
            When = "now ... future",
            Label = "ping-detail",
            Token = "0123456789abcdef0123456789abcdef",
            Parameters = new Dictionary<string, string> { ["destination.ip4"] = "*" },
            Results = ["time", "delay.twoway.icmp.us.mean"],
        };

        public Task<Statement> RunAsync(Statement specification, CancellationToken cancellationToken)
        {
            lock (Ran)
            {
                Ran.Add(specification);
            }

            return Task.FromResult(specification with { Kind = MessageKind.Result, ResultValues = ClientSite.Rows });
        }
    }
}
