using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Math.Probe;
using Mplane.Math.Transfer;
using Mplane.Testing;
using Newtonsoft.Json.Linq;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mplane.Math.Tests;

public sealed class PullTests
{
    private const string Stream = "example_log_tcp_complete";
    private const string First = "example_data/2015/02-Feb/2015_02_27_22_30.out/log_tcp_complete";
    private const string Second = "example_data/2015/02-Feb/2015_02_27_23_30.out/log_tcp_complete";
    private const string ThirdOther = "example_data/2015/02-Feb/2015_02_28_00_30.out/log_udp_complete";

    /// <summary>Plain HTTP on loopback, as original probes need; their unauthenticated identity may send example_ streams.</summary>
    private static string PlainYaml(MathSite site, string listen = "127.0.0.1:0") => $"""
        listen: {listen}
        plain_http: true
        roles:
          Identity.Unauthenticated.Default: probes
        authorizations:
          example_: probes
          math_repo-status: probes
        spool: {site.Spool}
        handler: copy
        poll_interval: 1s
        """;

    [Fact]
    public async Task Our_probe_registers_serves_its_finished_files_and_the_repository_pulls_them_once()
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(PlainYaml(site));
        var settings = new ProbeConfiguration
        {
            Mode = "pull",
            Directory = "example_data/",
            StreamName = Stream,
            Repository = $"127.0.0.1:{repo.Address.Port}",
            StartTime = "2015-02-27T00:00:00",
        }.Validate("math_probe.xml", Path.GetDirectoryName(TestPaths.TstatSamples)!);
        await using var probe = PullServer.Build(settings, new IPEndPoint(IPAddress.Loopback, 0), [IPAddress.Loopback]);
        await probe.StartAsync(TestTimeout.Token);
        var probeAddress = new Uri(probe.Urls.First());

        using var http = new HttpClient();
        var listing = await http.GetAsync(new Uri(probeAddress, "/ListDir/" + Stream), TestTimeout.Token);
        Assert.Equal("text/plain; charset=utf-8", listing.Content.Headers.ContentType!.ToString());
        Assert.Equal($"""["{First}","{Second}"]""", await listing.Content.ReadAsStringAsync(TestTimeout.Token)); // the newest period is held back
        using var other = await http.GetAsync(new Uri(probeAddress, "/ListDir/another"), TestTimeout.Token);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, other.StatusCode);
        Assert.Equal("Queried Stream not available.", await other.Content.ReadAsStringAsync(TestTimeout.Token));
        using var newest = await http.GetAsync(new Uri(probeAddress, "/example_data/2015/02-Feb/2015_02_28_00_30.out/log_tcp_complete"), TestTimeout.Token);
        Assert.Equal(HttpStatusCode.NotFound, newest.StatusCode); // never served while Tstat may write it

        var registration = new Registration($"127.0.0.1:{probeAddress.Port}", Stream, "log_tcp_complete_v15", settings.StartTime.ToUnixTimeSeconds());
        await using var services = ProbeHttp.CreateServices(settings);
        var answer = await new Registrar(services.Factory(), NullLogger<Registrar>.Instance).RegisterAsync(settings.Repository, registration, TestTimeout.Token);
        Assert.Equal("new entry created", answer);

        // Our probe says its listing holds finished files only: nothing more is held back.
        await WaitForAsync(() => repo.Services.Store.Ledger.Entries.Count == 2);
        Assert.All(repo.Services.Store.Ledger.Entries, e => Assert.Equal("Identity.Unauthenticated.Default", e.Peer)); // the registrant, for collections' records
        Assert.Equal(File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(TestPaths.TstatSamples)!, First)), File.ReadAllBytes(Path.Combine(site.Spool, Stream, First)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(TestPaths.TstatSamples)!, Second)), File.ReadAllBytes(Path.Combine(site.Spool, Stream, Second)));

        var imports = JObject.Parse(await http.GetStringAsync(new Uri(repo.Address, "/DBSImport"), TestTimeout.Token));
        Assert.Equal("DBSImportConfig", (string?)imports["0"]!["XMLName"]!["Local"]);
        Assert.Equal(1424995200L, (long)imports["0"]!["StartTime"]!);

        // The running import survives a restart of the repository and resumes by itself.
        var port = repo.Address.Port;
        await site.StopAsync(repo);
        repo = await site.StartRepoAsync(PlainYaml(site, $"127.0.0.1:{port}"));
        Assert.Single(repo.Services.Pull.Imports);
        Assert.Equal(2, repo.Services.Store.Ledger.Entries.Count);

        using var delete = await http.DeleteAsync(new Uri(repo.Address, "/DBSImport/0"), TestTimeout.Token);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Empty(repo.Services.Pull.Imports);
    }

    [Fact]
    public async Task An_original_probe_feeds_the_repository_which_checks_status_and_refuses_traversal()
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(PlainYaml(site));
        using var original = WireMockServer.Start();
        var firstBytes = File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(TestPaths.TstatSamples)!, First));
        original.Given(Request.Create().WithPath("/ListDir/" + Stream).UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "text/plain; charset=utf-8")
                .WithBody($"""["{First}","../../../../etc/passwd","{Second}","{ThirdOther}"]"""));
        original.Given(Request.Create().WithPath("/" + First).UsingGet()).RespondWith(Response.Create().WithBody(firstBytes));
        original.Given(Request.Create().WithPath("/" + Second).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(500).WithBody("<html>panic</html>"));

        // The exact bytes an original math_probe sends.
        var body = $$"""{"XMLName":{"Space":"","Local":""},"CallBackUrl":"localhost:{{original.Ports[0]}}","StreamName":"{{Stream}}","StreamType":"log_tcp_complete_v15","StartTime":1424995200}""";
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(repo.Address, "/DBSImport"), new StringContent(body, Encoding.UTF8, "application/json"), TestTimeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("new entry created", await response.Content.ReadAsStringAsync(TestTimeout.Token));

        await WaitForAsync(() => repo.Services.Store.Ledger.Entries.Count == 1);
        Assert.Equal(firstBytes, File.ReadAllBytes(Path.Combine(site.Spool, Stream, First)));
        Assert.False(File.Exists(Path.Combine(site.Spool, Stream, Second))); // an error page is not data
        Assert.DoesNotContain(original.LogEntries, e => e.RequestMessage.Path.Contains("passwd", StringComparison.Ordinal));
        Assert.DoesNotContain(original.LogEntries, e => e.RequestMessage.Path.Contains("00_30", StringComparison.Ordinal)); // still written: never fetched

        // Once the probe serves the file, the next poll fetches it: nothing was skipped for ever.
        var secondBytes = File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(TestPaths.TstatSamples)!, Second));
        original.Given(Request.Create().WithPath("/" + Second).UsingGet()).AtPriority(0).RespondWith(Response.Create().WithBody(secondBytes));
        await WaitForAsync(() => repo.Services.Store.Ledger.Entries.Count == 2);
        Assert.Equal(secondBytes, File.ReadAllBytes(Path.Combine(site.Spool, Stream, Second)));
    }

    [Fact]
    public async Task A_damaged_list_of_running_imports_is_set_aside_and_the_repository_starts()
    {
        await using var site = new MathSite();
        Directory.CreateDirectory(site.Spool);
        File.WriteAllText(Path.Combine(site.Spool, "running_imports.json"), "[{\"Registration\":");
        var repo = await site.StartRepoAsync(PlainYaml(site));
        Assert.Empty(repo.Services.Pull.Imports);
        Assert.Single(Directory.GetFiles(site.Spool, "running_imports.json.damaged-*"));
    }

    [Theory]
    [InlineData("10.1.2.3:3001", "is not the address this registration came from")]
    [InlineData("example.org:3001", "is not the address this registration came from")]
    [InlineData("localhost", "is not host:port")]
    public async Task The_repository_pulls_only_from_the_registering_host(string callback, string problem)
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(PlainYaml(site));
        using var http = new HttpClient();
        var registration = new Registration(callback, Stream, "log_tcp_complete_v15", 0);
        using var response = await http.PostAsync(new Uri(repo.Address, "/DBSImport"), new StringContent(registration.ToOriginalJson()), TestTimeout.Token);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(problem, await response.Content.ReadAsStringAsync(TestTimeout.Token), StringComparison.Ordinal);
        Assert.Empty(repo.Services.Pull.Imports);
    }

    [Theory]
    [InlineData("""{"CallBackUrl":"127.0.0.1:1","StreamName":"x; DROP TABLE t","StreamType":"log_tcp_complete_v15"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"CallBackUrl":"127.0.0.1:1","StreamName":"example_a","StreamType":"../../x"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"CallBackUrl":"127.0.0.1:1","StreamName":"other_stream","StreamType":"t"}""", HttpStatusCode.Forbidden)]
    [InlineData("""[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]""", HttpStatusCode.BadRequest)]
    [InlineData("not json", HttpStatusCode.BadRequest)]
    public async Task Bad_registrations_are_refused(string body, HttpStatusCode expected)
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(PlainYaml(site));
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(repo.Address, "/DBSImport"), new StringContent(body), TestTimeout.Token);
        Assert.Equal(expected, response.StatusCode);
        Assert.Empty(repo.Services.Pull.Imports);
        using var post = await http.PostAsync(new Uri(repo.Address, "/DBSImport/0"), new StringContent("{}"), TestTimeout.Token);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("method not allowed", await post.Content.ReadAsStringAsync(TestTimeout.Token));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 300 && !condition(); i++)
        {
            await Task.Delay(100, TestTimeout.Token);
        }

        Assert.True(condition(), "timed out waiting");
    }
}
