using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Text;
using Mplane.Components.Runtime;
using Mplane.Components.Transport;
using Mplane.Protocol.Matching;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Security;
using Mplane.Testing;

namespace Mplane.Components.Tests;

/// <summary>The client-initiated workflow over real TLS on loopback, with certificates generated here.</summary>
public sealed class ComponentListenerTests : IAsyncLifetime
{
    private const string Mplane = "application/x-mplane+json";
    private readonly TestPki _pki = new();
    private Microsoft.AspNetCore.Builder.WebApplication _app = null!;
    private Uri _address = null!;
    private (string Cert, string Key) _guest;
    private (string Cert, string Key) _nobody;

    public async Task InitializeAsync()
    {
        var server = _pki.Server("Component-1");
        _guest = _pki.Client("Clients", "Client-1");
        _nobody = _pki.Client("Clients", "Stranger");
        var access = ConfFile.Parse("[Roles]\norg.mplane.SSB.Clients.Client-1 = guest\n[Authorizations]\nrepository-collect = guest\n", "component.conf").AccessPolicy();
        var settings = new ListenerSettings(
            new IPEndPoint(IPAddress.Loopback, 0), "https://127.0.0.1:8888/", access,
            CertificateFiles.LoadWithKey(server.Cert, server.Key), new PrivateCa(CertificateFiles.LoadBundle(_pki.CaFile)), TimeSpan.FromSeconds(1));
        _app = ComponentListener.Build(settings, [new Collect("repository-collect_log", TimeSpan.Zero), new Collect("repository-collect_streaming", TimeSpan.FromSeconds(3))], new SpecificationCheck(new RegistryCatalog()), new JobTable());
        await _app.StartAsync(TestTimeout.Token);
        _address = new Uri(_app.Urls.First());
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _pki.Dispose();
    }

    [Fact]
    public async Task Discovery_lists_only_the_caller_s_capabilities_as_html()
    {
        using var guest = Client(_guest);
        using var page = await guest.GetAsync(new Uri(_address, "/capability"), TestTimeout.Token);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.ToString());
        var links = await page.Content.ReadAsStringAsync(TestTimeout.Token);
        Assert.Equal(2, links.Split("<a href='/capability/").Length - 1);

        using var stranger = Client(_nobody);
        Assert.DoesNotContain("<a href='/capability/", await stranger.GetStringAsync(new Uri(_address, "/capability"), TestTimeout.Token), StringComparison.Ordinal);

        var token = links.Split("<a href='/capability/")[1].Split('\'')[0];
        using var one = await guest.GetAsync(new Uri(_address, "/capability/" + token), TestTimeout.Token);
        var capability = Assert.IsType<Statement>(await MplaneHttp.ReadAsync(one, TestTimeout.Token));
        Assert.Equal("https://127.0.0.1:8888/", capability.Link);
        Assert.IsType<ExceptionMessage>(MessageCodec.Parse(await stranger.GetStringAsync(new Uri(_address, "/capability/" + token), TestTimeout.Token)));
    }

    [Fact]
    public async Task A_quick_specification_is_answered_with_its_result_typed_exactly()
    {
        using var guest = Client(_guest);
        using var reply = await guest.PostAsync(_address, MplaneHttp.Content(Specification("repository-collect_log-0", "quick")), TestTimeout.Token);
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Equal(Mplane, reply.Content.Headers.ContentType!.ToString());
        Assert.Equal(MessageKind.Result, Assert.IsType<Statement>(await MplaneHttp.ReadAsync(reply, TestTimeout.Token)).Kind);
    }

    [Fact]
    public async Task A_slow_specification_gets_a_receipt_then_redemptions_give_the_result_once()
    {
        using var guest = Client(_guest);
        var first = await Post(guest, Specification("repository-collect_streaming-0", "slow"));
        Assert.Equal(MessageKind.Receipt, Assert.IsType<Statement>(first).Kind);
        var redemption = (Statement)first with { Kind = MessageKind.Redemption };
        Assert.Equal(MessageKind.Receipt, Assert.IsType<Statement>(await Post(guest, redemption)).Kind);

        await Task.Delay(TimeSpan.FromSeconds(3), TestTimeout.Token);
        Assert.Equal(MessageKind.Result, Assert.IsType<Statement>(await Post(guest, redemption)).Kind);
        Assert.Equal("Unknown job", Assert.IsType<ExceptionMessage>(await Post(guest, redemption)).Text); // forgotten once redeemed
    }

    [Fact]
    public async Task Another_identity_can_neither_redeem_nor_interrupt_a_job_nor_take_its_token()
    {
        using var guest = Client(_guest);
        using var stranger = Client(_nobody);
        var receipt = (Statement)await Post(guest, Specification("repository-collect_streaming-2", "mine"));
        Assert.Equal("Unknown job", Assert.IsType<ExceptionMessage>(await Post(stranger, receipt with { Kind = MessageKind.Redemption })).Text);
        Assert.Equal("Unknown job", Assert.IsType<ExceptionMessage>(await Post(stranger, receipt with { Kind = MessageKind.Interrupt })).Text);

        // The same token for another capability (which the guest may use too) does not reach this job.
        var other = Assert.IsType<ExceptionMessage>(await Post(guest, Specification("repository-collect_log-9", "mine")));
        Assert.Equal("Token in use by another specification, or too many jobs", other.Text);
        Assert.Equal(MessageKind.Receipt, Assert.IsType<Statement>(await Post(guest, receipt with { Kind = MessageKind.Redemption })).Kind);
    }

    [Fact]
    public async Task An_interrupt_stops_the_job()
    {
        using var guest = Client(_guest);
        var receipt = (Statement)await Post(guest, Specification("repository-collect_streaming-1", "stopped"));
        await Post(guest, receipt with { Kind = MessageKind.Interrupt });
        await Task.Delay(200, TestTimeout.Token);
        Assert.Equal("Interrupted", Assert.IsType<ExceptionMessage>(await Post(guest, receipt with { Kind = MessageKind.Redemption })).Text);
    }

    [Fact]
    public async Task A_role_less_identity_gets_the_reference_s_no_permission_exception()
    {
        using var stranger = Client(_nobody);
        var reply = Assert.IsType<ExceptionMessage>(await Post(stranger, Specification("repository-collect_log-0", "denied")));
        Assert.Equal(("denied", "User has no permission to request this capability"), (reply.Token, reply.Text));
    }

    [Fact]
    public async Task Wrong_content_types_other_kinds_and_unknown_services_are_refused()
    {
        using var guest = Client(_guest);
        using var wrong = await guest.PostAsync(_address, new StringContent(MessageCodec.Write(Specification("repository-collect_log-0", "x")), Encoding.UTF8, "application/x-mplane+json"), TestTimeout.Token);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrong.StatusCode); // a charset is not the exact type

        Assert.Equal("No service registered for specification", Assert.IsType<ExceptionMessage>(await Post(guest, Specification("tstat-exporter_log-0", "y"))).Text);
        Assert.Equal("Unexpected message type", Assert.IsType<ExceptionMessage>(await Post(guest, Specification("repository-collect_log-0", "z") with { Kind = MessageKind.Capability })).Text);
    }

    [Fact]
    public async Task Without_a_certificate_or_with_another_CA_the_handshake_fails()
    {
        using var none = Client(null);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => none.GetAsync(new Uri(_address, "/capability"), TestTimeout.Token));
        using var other = new TestPki("Other-CA");
        using var foreign = Client(other.Client("Clients", "Client-1"));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => foreign.GetAsync(new Uri(_address, "/capability"), TestTimeout.Token));
    }

    private async Task<Message> Post(HttpClient http, Message message)
    {
        using var reply = await http.PostAsync(_address, MplaneHttp.Content(message), TestTimeout.Token);
        return await MplaneHttp.ReadAsync(reply, TestTimeout.Token);
    }

    private HttpClient Client((string Cert, string Key)? certificate)
    {
        var ca = new PrivateCa(CertificateFiles.LoadBundle(_pki.CaFile));
        return new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = certificate is { } c ? [CertificateFiles.LoadWithKey(c.Cert, c.Key)] : null,
                RemoteCertificateValidationCallback = (_, server, chain, _) => server is System.Security.Cryptography.X509Certificates.X509Certificate2 s && ca.Trusts(s, chain),
            },
        });
    }

    private static Statement Specification(string label, string token) => new(MessageKind.Specification, "measure")
    {
        Registry = RegistryCatalog.TstatUri,
        When = "now + 1h",
        Label = label,
        Token = token,
        Parameters = new Dictionary<string, string> { ["repository.url"] = "127.0.0.1:3000" },
    };

    /// <summary>A stand-in service with a repository capability's shape, taking <c>duration</c> to finish.</summary>
    private sealed class Collect(string label, TimeSpan duration) : IService
    {
        public Statement Capability { get; } = new(MessageKind.Capability, "measure")
        {
            Registry = RegistryCatalog.TstatUri,
            When = "past ... future",
            Label = label,
            Token = label + "-token",
            Parameters = new Dictionary<string, string> { ["repository.url"] = "127.0.0.1:3000" },
        };

        public async Task<Statement> RunAsync(Statement specification, CancellationToken cancellationToken)
        {
            await Task.Delay(duration, cancellationToken);
            return specification with { Kind = MessageKind.Result, When = "2015-10-22 10:00:00.000000 ... 2015-10-22 11:00:00.000000" };
        }
    }
}
