using Mplane.Components.Client;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mplane.Components.Tests;

/// <summary>What the reference client silently ignores is an error here, naming the URL; peers played by WireMock.</summary>
public sealed class ClientStrictnessTests : IDisposable
{
    private const string Mplane = "application/x-mplane+json";
    private readonly WireMockServer _peer = WireMockServer.Start();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _peer.Stop();
        _peer.Dispose();
        _http.Dispose();
    }

    private Uri Url => new(_peer.Urls[0] + "/");

    [Theory]
    [InlineData(200, "application/x-mplane+json; charset=utf-8", "answered 200 with application/x-mplane+json; charset=utf-8 instead of exactly application/x-mplane+json")]
    [InlineData(500, "text/html", "answered 500 Internal Server Error (text/html) instead of 200 application/x-mplane+json: <html>")]
    [InlineData(200, "text/plain", "answered 200 with text/plain instead of exactly")]
    public async Task An_answer_that_is_not_200_with_the_exact_type_is_an_error_naming_the_URL(int status, string type, string message)
    {
        _peer.Given(Request.Create().WithPath("/").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", type).WithBody(MessageCodec.Write(Result("t1"))));
        if (status == 500)
        {
            _peer.Given(Request.Create().WithPath("/").UsingPost()).RespondWith(Response.Create().WithStatusCode(500).WithHeader("Content-Type", type).WithBody("<html>\u001b[31mboom</html>"));
        }

        var error = await Assert.ThrowsAsync<MplaneClientException>(() => Client().InvokeAsync(Specification("t1"), Url, TestTimeout.Token));
        Assert.StartsWith($"{Url} {message}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', error.Message); // a peer's text never drives the terminal
    }

    [Fact]
    public async Task A_result_for_another_token_or_a_message_of_another_kind_is_an_error()
    {
        Answer(Result("someone-else"));
        var other = await Assert.ThrowsAsync<MplaneClientException>(() => Client().InvokeAsync(Specification("mine"), Url, TestTimeout.Token));
        Assert.Equal($"{Url} answered a result for another token (someone-else, not mine)", other.Message);

        Answer(Specification("mine") with { Kind = MessageKind.Capability });
        var kind = await Assert.ThrowsAsync<MplaneClientException>(() => Client().InvokeAsync(Specification("mine"), Url, TestTimeout.Token));
        Assert.Equal($"{Url} answered a capability; a result, a receipt or an exception was expected", kind.Message);

        Answer(new Statement(MessageKind.Receipt, "measure") { Registry = RegistryCatalog.CoreUri, When = "now", Token = "mine" });
        Assert.Equal(MessageKind.Receipt, (await Client().InvokeAsync(Specification("mine"), Url, TestTimeout.Token)).Kind);
    }

    [Fact]
    public async Task The_specification_is_posted_typed_exactly()
    {
        Answer(Result("t2"));
        await Client().InvokeAsync(Specification("t2"), Url, TestTimeout.Token);
        var request = Assert.Single(_peer.LogEntries).RequestMessage;
        Assert.Equal(Mplane, request.Headers!["Content-Type"].Single());
        Assert.Equal(MessageKind.Specification, MessageCodec.Parse(request.Body!).Kind);
    }

    [Fact]
    public async Task An_envelope_of_capabilities_at_the_URL_is_discovered_without_the_callback_pseudo_capability()
    {
        var callback = new Statement(MessageKind.Capability, "measure") { Registry = RegistryCatalog.CoreUri, When = "now ... future", Label = "callback" };
        _peer.Given(Request.Create().WithPath("/caps").UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", Mplane)
            .WithBody(MessageCodec.Write(new Envelope([Capability("a"), Capability("b"), Capability("a"), callback]))));
        var discovery = await Client().DiscoverAsync(new Uri(Url, "caps"), TestTimeout.Token);
        Assert.Equal(["a", "b"], discovery.Capabilities.Select(c => c.Label));
        Assert.Equal(new Uri(Url, "caps"), discovery.DefaultUrl);
    }

    [Fact]
    public async Task Pages_are_followed_on_the_same_server_only_and_a_broken_link_is_an_error_naming_it()
    {
        _peer.Given(Request.Create().WithPath("/").UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/html")
            .WithBody("<html><body><a href='/capability/a'>a</a> <A HREF=\"https://elsewhere.example/capability/x\">x</A> <a href='/capability/a#top'>again</a></body></html>"));
        _peer.Given(Request.Create().WithPath("/capability/a").UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", Mplane)
            .WithBody(MessageCodec.Write(Capability("a"))));
        var discovery = await Client().DiscoverAsync(Url, TestTimeout.Token);
        Assert.Equal("a", Assert.Single(discovery.Capabilities).Label);
        Assert.Equal(2, _peer.LogEntries.Count()); // the page and the capability, once; never elsewhere.example

        _peer.Given(Request.Create().WithPath("/").UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/html")
            .WithBody("<a href='/capability/gone'>gone</a>"));
        var error = await Assert.ThrowsAsync<MplaneClientException>(() => Client().DiscoverAsync(Url, TestTimeout.Token));
        Assert.StartsWith($"{new Uri(Url, "/capability/gone")} answered 404", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peer_that_does_not_answer_is_an_error_naming_the_URL()
    {
        var closed = new Uri("http://127.0.0.1:1/");
        var error = await Assert.ThrowsAsync<MplaneClientException>(() => Client().DiscoverAsync(closed, TestTimeout.Token));
        Assert.StartsWith(closed.AbsoluteUri + ": ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_is_followed_unless_it_would_drop_TLS()
    {
        var https = new Uri("https://127.0.0.1:8890/");
        Assert.Equal(https, MplaneClient.TargetOf(Capability("a") with { Link = string.Empty }, https));
        Assert.Equal(new Uri("https://10.0.0.1:8888/"), MplaneClient.TargetOf(Capability("a") with { Link = "10.0.0.1:8888/" }, https));
        var downgrade = Assert.Throws<MplaneClientException>(() => MplaneClient.TargetOf(Capability("a") with { Link = "http://10.0.0.1:8888/" }, https));
        Assert.Contains("without TLS", downgrade.Message, StringComparison.Ordinal);
        Assert.Throws<MplaneClientException>(() => MplaneClient.TargetOf(Capability("a") with { Link = "mplane-https://10.0.0.1:8888/" }, https));
    }

    private MplaneClient Client() => new(_http, new RegistryCatalog());

    private void Answer(Message message)
    {
        _peer.Reset();
        _peer.Given(Request.Create().WithPath("/").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", Mplane).WithBody(MessageCodec.Write(message)));
    }

    private static Statement Capability(string label) => new(MessageKind.Capability, "measure")
    {
        Registry = RegistryCatalog.CoreUri,
        When = "now ... future",
        Label = label,
        Token = label + "-token",
        Parameters = new Dictionary<string, string> { ["destination.ip4"] = "*" },
    };

    private static Statement Specification(string token) => Capability("a") with { Kind = MessageKind.Specification, Label = "a-0", Token = token, Parameters = new Dictionary<string, string> { ["destination.ip4"] = "10.0.0.1" } };

    private static Statement Result(string token) => Specification(token) with { Kind = MessageKind.Result, When = "2015-10-22 10:00:00.000000 ... 2015-10-22 10:00:01.000000" };
}
