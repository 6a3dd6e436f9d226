using Mplane.Components.Tests;
using Mplane.Postgres;
using Mplane.Protocol.Messages;
using Mplane.Testing;

namespace Mplane.Cli.Tests;

/// <summary><c>mplane client</c> as a process against our client-initiated listener over loopback mutual TLS.</summary>
public sealed class ClientCliTests : IAsyncLifetime
{
    private readonly TemporaryDirectory _directory = new("clientcli");
    private ClientSite _site = null!;

    public async Task InitializeAsync() => _site = await ClientSite.StartAsync(TimeSpan.FromMilliseconds(300));

    public async Task DisposeAsync()
    {
        await _site.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Caps_prints_a_table_of_the_capabilities_with_their_constraints()
    {
        var result = await Client(_site.Guest, "caps");
        Assert.True(result.ExitCode == 0, result.StandardError);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("label", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("ping-detail", StringComparison.Ordinal)
            && l.Contains("measure  now ... future  destination.ip4: *, destination.port: 1 ... 1024, source.ip4: 127.0.0.1  time, delay.twoway.icmp.us.mean  ping-detail-token", StringComparison.Ordinal));
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public async Task Run_prints_the_result_rows()
    {
        var result = await Client(_site.Guest, "run", "ping-detail", "--param", "destination.ip4=10.0.0.1", "-p", "destination.port=80", "--when", "now + 1h");
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("time                        delay.twoway.icmp.us.mean\n2015-10-22 10:00:00.000000  27\n2015-10-22 10:00:01.000000  39\n(2 rows)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("parameters: destination.ip4=10.0.0.1 destination.port=80 source.ip4=127.0.0.1", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("now + 1h", Assert.Single(_site.Ran).When);
        Assert.False(Directory.Exists(_directory.Combine("state"))); // nothing to keep: the result came at once
    }

    [Fact]
    public async Task A_receipt_is_kept_in_the_XDG_state_folder_until_result_redeems_it()
    {
        var environment = new Dictionary<string, string> { ["XDG_STATE_HOME"] = _directory.Combine("xdg") };
        var run = await Client(_site.Guest, environment, "run", "ping-slow", "--param", "destination.ip4=10.0.0.1", "--param", "destination.port=80");
        Assert.True(run.ExitCode == 0, run.StandardError);
        var token = Assert.Single(_site.Ran).Token!;
        Assert.Contains($"receipt {token} for ping-slow-0", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"'mplane client result {token}'", run.StandardOutput, StringComparison.Ordinal);
        var kept = _directory.Combine("xdg", "mplane", "client", token + ".json");
        Assert.True(File.Exists(kept));

        var listed = await Client(_site.Guest, environment, "result");
        Assert.Contains(token, listed.StandardOutput, StringComparison.Ordinal);

        var anonymous = await new ProcessRunner().RunAsync("dotnet", [Mplane, "client", "result", token], TestTimeout.Token, environment);
        Assert.Equal(2, anonymous.ExitCode); // the receipt is redeemed at an https URL: only with the identity that ran it
        Assert.Contains($"{token} is redeemed at {_site.Url}, which needs --cert, --key and --ca-chain", anonymous.StandardError, StringComparison.Ordinal);

        var early = await Client(_site.Guest, environment, "result", token);
        Assert.Equal(3, early.ExitCode);
        Assert.Contains("still running", early.StandardOutput, StringComparison.Ordinal);

        _site.Release();
        var done = await Client(_site.Guest, environment, "result", token, "--wait");
        Assert.True(done.ExitCode == 0, done.StandardError);
        Assert.Contains("2015-10-22 10:00:01.000000  39", done.StandardOutput, StringComparison.Ordinal);
        Assert.False(File.Exists(kept));

        var again = await Client(_site.Guest, environment, "result", token);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains($"no receipt {token} in {_directory.Combine("xdg", "mplane", "client")}", again.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reference_client_conf_configures_TLS_and_the_capability_URL_and_json_prints_the_messages()
    {
        var conf = _directory.Combine("client.conf");
        File.WriteAllText(conf, $"""
            [TLS]
            cert = {_site.Guest.Cert}
            key = {_site.Guest.Key}
            ca-chain = {_site.Pki.CaFile}

            [client]
            registry_uri = http://ict-mplane.eu/registry/demo
            workflow = client-initiated
            listen-port = 8891
            capability-url: 127.0.0.1:{_site.Url.Port}/
            """);
        var result = await new ProcessRunner().RunAsync(
            "dotnet", [Mplane, "client", "--config", conf, "--state", _directory.Combine("state"), "run", "ping-detail", "-p", "destination.ip4=10.0.0.2", "-p", "destination.port=443", "--json"], TestTimeout.Token);
        Assert.True(result.ExitCode == 0, result.StandardError);
        var message = Assert.IsType<Statement>(MessageCodec.Parse(result.StandardOutput));
        Assert.Equal((MessageKind.Result, "ping-detail-0"), (message.Kind, message.Label));
        Assert.Equal(2, message.ResultValues.Count);
    }

    [Theory]
    [InlineData(new[] { "run", "ping-detail", "-p", "destination.ip4=10.0.0.1", "-p", "destination.port=2000" }, "mplane: client run: ping-detail: parameter destination.port = '2000' is outside the capability's constraint '1 ... 1024'")]
    [InlineData(new[] { "run", "ping-detail", "-p", "destination.ip4=10.0.0.1", "-p", "destination.prt=80" }, "mplane: client run: parameter destination.prt is not a parameter of ping-detail")]
    [InlineData(new[] { "run", "ping-detail", "-p", "destination.port=80" }, "mplane: client run: ping-detail needs a value for destination.ip4 (constraint '*')")]
    [InlineData(new[] { "run", "ping-detail", "-p", "destination.ip4=10.0.0.1", "-p", "destination.port=80", "--when", "soon" }, "mplane: client run: when: 'soon' is not now, past, future or a time")]
    [InlineData(new[] { "run", "pong", "-p", "destination.ip4=10.0.0.1" }, "mplane: client run: no capability pong (offered: ping-detail, ping-slow)")]
    [InlineData(new[] { "result", "../../etc/passwd" }, "mplane: client result: '../../etc/passwd' is not a token")]
    public async Task What_cannot_be_asked_exits_2_naming_the_parameter_and_sends_nothing(string[] arguments, string message)
    {
        var result = await Client(_site.Guest, arguments);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(_site.Ran);
        Assert.False(Directory.Exists(_directory.Combine("state")));
    }

    [Fact]
    public async Task A_role_less_identity_sees_no_capability()
    {
        var result = await Client(_site.Stranger, "caps");
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Single(result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // the header only
        Assert.Contains($"{_site.Url} offers no capability to this identity", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--url", "https://127.0.0.1:1/" }, "mplane: client caps: --url: https://127.0.0.1:1/ needs --cert, --key and --ca-chain")]
    [InlineData(new[] { "--url", "ftp://127.0.0.1:1/" }, "mplane: client caps: --url: 'ftp://127.0.0.1:1/' is not an http:// or https:// URL")]
    [InlineData(new[] { "--url", "https://127.0.0.1:1/", "--cert", "/nonexistent/c.crt" }, "mplane: client caps: mutual TLS needs --cert, --key and --ca-chain; missing: --key, --ca-chain")]
    [InlineData(new[] { "--config", "/nonexistent/client.conf" }, "'/nonexistent/client.conf'")]
    [InlineData(new string[0], "mplane: client caps: give --url, or capability-url in [client] of --config")]
    public async Task Bad_options_exit_2_naming_them(string[] options, string message)
    {
        var result = await MplaneProcess.RunAsync(["client", .. options, "--state", _directory.Combine("state"), "caps"]);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("mplane: client caps: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peer_that_is_not_there_exits_1_naming_the_URL()
    {
        var result = await MplaneProcess.RunAsync("client", "--url", "http://127.0.0.1:1/", "--state", _directory.Combine("state"), "caps");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("mplane: client caps: http://127.0.0.1:1/: ", result.StandardError, StringComparison.Ordinal);
    }

    private static string Mplane => Path.Combine(AppContext.BaseDirectory, "mplane.dll");

    private Task<CommandResult> Client((string Cert, string Key) identity, params string[] arguments) =>
        Client(identity, new Dictionary<string, string>(), ["--state", _directory.Combine("state"), .. arguments]);

    private Task<CommandResult> Client((string Cert, string Key) identity, IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        new ProcessRunner().RunAsync(
            "dotnet",
            [Mplane, "client", "--url", _site.Url.AbsoluteUri, "--cert", identity.Cert, "--key", identity.Key, "--ca-chain", _site.Pki.CaFile, .. arguments],
            TestTimeout.Token,
            environment);
}
