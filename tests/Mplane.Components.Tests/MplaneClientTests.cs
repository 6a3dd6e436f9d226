using Mplane.Components.Client;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Security;
using Mplane.Testing;

namespace Mplane.Components.Tests;

/// <summary>Our client against our client-initiated listener over loopback mutual TLS: discovery, runs, receipts, redemptions, refusals.</summary>
public sealed class MplaneClientTests : IAsyncLifetime
{
    private ClientSite _site = null!;

    public async Task InitializeAsync() => _site = await ClientSite.StartAsync(TimeSpan.FromMilliseconds(300));

    public async Task DisposeAsync() => await _site.DisposeAsync();

    [Fact]
    public async Task Discovery_crawls_the_pages_to_the_capabilities_with_their_links()
    {
        using var http = Http(_site.Guest);
        var discovery = await new MplaneClient(http, new RegistryCatalog()).DiscoverAsync(_site.Url, TestTimeout.Token);
        Assert.Equal(["ping-detail", "ping-slow"], discovery.Capabilities.Select(c => c.Label).Order(StringComparer.Ordinal));
        Assert.All(discovery.Capabilities, c => Assert.Equal(_site.Url.AbsoluteUri, c.Link));
        Assert.Equal(_site.Url, discovery.DefaultUrl);
        Assert.Empty(discovery.Notes);
    }

    [Fact]
    public async Task A_run_answers_the_result_rows_with_values_checked_pre_filled_and_written_as_the_reference_does()
    {
        using var http = Http(_site.Guest);
        var client = new MplaneClient(http, new RegistryCatalog());
        var capability = MplaneClient.Select((await client.DiscoverAsync(_site.Url, TestTimeout.Token)).Capabilities, "ping-detail");
        var specification = client.Specify(capability, ["destination.ip4=10.0.0.1", "destination.port=0080"], "now + 1h");

        var result = Assert.IsType<Statement>(await client.InvokeAsync(specification, MplaneClient.TargetOf(capability, _site.Url), TestTimeout.Token));
        Assert.Equal((MessageKind.Result, specification.Token), (result.Kind, result.Token));
        Assert.Equal(ClientSite.Rows, result.ResultValues);

        var ran = Assert.Single(_site.Ran);
        Assert.Equal("ping-detail-0", ran.Label); // the reference supervisor needs the -<n> to find the capability
        Assert.Equal("now + 1h", ran.When);
        Assert.Equal(
            new Dictionary<string, string> { ["source.ip4"] = "127.0.0.1", ["destination.ip4"] = "10.0.0.1", ["destination.port"] = "80" },
            ran.Parameters);
    }

    [Fact]
    public async Task A_repeated_specification_answers_one_envelope_of_the_occurrences_results()
    {
        using var http = Http(_site.Guest);
        var client = new MplaneClient(http, new RegistryCatalog());
        var capability = MplaneClient.Select((await client.DiscoverAsync(_site.Url, TestTimeout.Token)).Capabilities, "ping-detail");
        var specification = client.Specify(capability, ["destination.ip4=10.0.0.1", "destination.port=80"], "repeat now + 2s / 1s { now + 1s }");
        Assert.Equal("repeat now + 2s / 1s { now + 1s } ", specification.When);

        var receipt = Assert.IsType<Statement>(await client.InvokeAsync(specification, MplaneClient.TargetOf(capability, _site.Url), TestTimeout.Token));
        Assert.Equal(MessageKind.Receipt, receipt.Kind);
        var envelope = Assert.IsType<Envelope>(await client.RedeemUntilDoneAsync(receipt, _site.Url, TimeSpan.FromMilliseconds(200), TestTimeout.Token));
        Assert.Equal(specification.Token, envelope.Token);
        Assert.Equal(2, envelope.Contents.Count);
        Assert.All(envelope.Contents, m => Assert.Equal(ClientSite.Rows, Assert.IsType<Statement>(m).ResultValues));
        Assert.Equal(2, _site.Ran.Count(r => r.When.EndsWith(" + 1s", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Every_specification_gets_a_fresh_token()
    {
        using var http = Http(_site.Guest);
        var client = new MplaneClient(http, new RegistryCatalog());
        var capability = MplaneClient.Select((await client.DiscoverAsync(_site.Url, TestTimeout.Token)).Capabilities, "ping-detail");
        var tokens = Enumerable.Range(0, 20).Select(_ => client.Specify(capability, ["destination.ip4=10.0.0.1", "destination.port=80"], "2030-01-01 00:00:00 ... 2030-01-01 01:00:00").Token).ToHashSet();
        Assert.Equal(20, tokens.Count);
        Assert.All(tokens, t => Assert.True(ReceiptStore.IsToken(t!)));
    }

    [Fact]
    public async Task A_slow_run_returns_the_receipt_and_a_later_redemption_the_result()
    {
        using var http = Http(_site.Guest);
        var client = new MplaneClient(http, new RegistryCatalog());
        var discovery = await client.DiscoverAsync(_site.Url, TestTimeout.Token);
        var capability = MplaneClient.Select(discovery.Capabilities, "ping-slow");
        var specification = client.Specify(capability, ["destination.ip4=10.0.0.1", "destination.port=80"], null);

        var receipt = Assert.IsType<Statement>(await client.InvokeAsync(specification, MplaneClient.TargetOf(capability, discovery.DefaultUrl), TestTimeout.Token));
        Assert.Equal((MessageKind.Receipt, specification.Token), (receipt.Kind, receipt.Token));
        Assert.Equal(MessageKind.Receipt, (await client.RedeemAsync(receipt, discovery.DefaultUrl, TestTimeout.Token)).Kind);

        _site.Release();
        var result = Assert.IsType<Statement>(await client.RedeemUntilDoneAsync(receipt, discovery.DefaultUrl, TimeSpan.FromMilliseconds(50), TestTimeout.Token));
        Assert.Equal((MessageKind.Result, specification.Token), (result.Kind, result.Token));
        Assert.Equal(ClientSite.Rows, result.ResultValues);
        Assert.Equal("Unknown job", Assert.IsType<ExceptionMessage>(await client.RedeemAsync(receipt, discovery.DefaultUrl, TestTimeout.Token)).Text);
    }

    [Fact]
    public async Task A_role_less_identity_sees_no_capability_and_gets_the_reference_s_no_permission_exception()
    {
        using var guestHttp = Http(_site.Guest);
        var capability = MplaneClient.Select((await new MplaneClient(guestHttp, new RegistryCatalog()).DiscoverAsync(_site.Url, TestTimeout.Token)).Capabilities, "ping-detail");

        using var strangerHttp = Http(_site.Stranger);
        var stranger = new MplaneClient(strangerHttp, new RegistryCatalog());
        Assert.Empty((await stranger.DiscoverAsync(_site.Url, TestTimeout.Token)).Capabilities);
        var specification = stranger.Specify(capability, ["destination.ip4=10.0.0.1", "destination.port=80"], null);
        var refusal = Assert.IsType<ExceptionMessage>(await stranger.InvokeAsync(specification, _site.Url, TestTimeout.Token));
        Assert.Equal((specification.Token, "User has no permission to request this capability"), (refusal.Token, refusal.Text));
        Assert.Empty(_site.Ran);
    }

    [Fact]
    public async Task A_client_of_another_CA_fails_with_an_error_naming_the_URL()
    {
        using var other = new TestPki("Other-CA");
        var foreign = other.Client("Clients", "Client-1");
        using var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = MutualTls.ClientOptions(CertificateFiles.LoadWithKey(foreign.Cert, foreign.Key), new PrivateCa(CertificateFiles.LoadBundle(other.CaFile))),
        });
        var error = await Assert.ThrowsAsync<MplaneClientException>(() => new MplaneClient(http, new RegistryCatalog()).DiscoverAsync(_site.Url, TestTimeout.Token));
        Assert.StartsWith(_site.Url.AbsoluteUri, error.Message, StringComparison.Ordinal);
        Assert.Contains("SSL", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("destination.port=2000", "parameter destination.port = '2000' is outside the capability's constraint '1 ... 1024'")]
    [InlineData("destination.port=eighty", "parameter destination.port: 'eighty' is not a value of prim natural")]
    [InlineData("destination.port=*", "parameter destination.port needs a value")]
    [InlineData("source.ip4=10.1.1.1", "parameter source.ip4 = '10.1.1.1' is outside the capability's constraint '127.0.0.1'")]
    [InlineData("destination.prt=80", "parameter destination.prt is not a parameter of ping-detail (its parameters: destination.ip4, destination.port, source.ip4)")]
    [InlineData("destination.port", "'destination.port' is not NAME=VALUE")]
    public async Task A_bad_parameter_is_refused_naming_it(string assignment, string message)
    {
        using var http = Http(_site.Guest);
        var client = new MplaneClient(http, new RegistryCatalog());
        var capability = MplaneClient.Select((await client.DiscoverAsync(_site.Url, TestTimeout.Token)).Capabilities, "ping-detail");
        var others = new[] { "destination.ip4=10.0.0.1", "destination.port=80" }.Where(a => !assignment.StartsWith(a.Split('=')[0], StringComparison.Ordinal));
        var error = Assert.Throws<SpecificationException>(() => client.Specify(capability, [.. others, assignment], null));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "destination.port=80" }, null, "ping-detail needs a value for destination.ip4 (constraint '*')")]
    [InlineData(new[] { "destination.ip4=10.0.0.1", "destination.port=80", "destination.port=81" }, null, "parameter destination.port is given twice")]
    [InlineData(new[] { "destination.ip4=10.0.0.1", "destination.port=80" }, "past ... now", "when 'past ... now' does not follow the capability's 'now ... future'")]
    [InlineData(new[] { "destination.ip4=10.0.0.1", "destination.port=80" }, "soon", "when: 'soon' is not now, past, future or a time")]
    public async Task Missing_or_repeated_values_and_a_scope_that_does_not_follow_are_refused(string[] assignments, string? when, string message)
    {
        using var http = Http(_site.Guest);
        var client = new MplaneClient(http, new RegistryCatalog());
        var capability = MplaneClient.Select((await client.DiscoverAsync(_site.Url, TestTimeout.Token)).Capabilities, "ping-detail");
        var error = Assert.Throws<SpecificationException>(() => client.Specify(capability, assignments, when));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_label_names_what_is_offered()
    {
        using var http = Http(_site.Guest);
        var capabilities = (await new MplaneClient(http, new RegistryCatalog()).DiscoverAsync(_site.Url, TestTimeout.Token)).Capabilities;
        var error = Assert.Throws<SpecificationException>(() => MplaneClient.Select(capabilities, "ping"));
        Assert.Contains("no capability ping (offered: ", error.Message, StringComparison.Ordinal);
        Assert.Equal("ping-slow", MplaneClient.Select(capabilities, "ping-slow-token").Label); // a token selects too
    }

    private HttpClient Http((string Cert, string Key) identity) => new(new SocketsHttpHandler
    {
        SslOptions = MutualTls.ClientOptions(CertificateFiles.LoadWithKey(identity.Cert, identity.Key), new PrivateCa(CertificateFiles.LoadBundle(_site.Pki.CaFile))),
    });
}
