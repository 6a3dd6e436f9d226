using System.Net;
using Microsoft.Extensions.Logging;
using Mplane.Math.Repo;
using Mplane.Testing;

namespace Mplane.Math.Tests;

/// <summary>math_repo says in its log what it refused, also where it used to answer silently.</summary>
public sealed class RefusalLogTests : IAsyncLifetime
{
    private readonly MathSite _site = new();

    [Fact]
    public async Task Refusals_at_the_handshake_of_the_status_of_paths_and_of_stream_types_are_logged()
    {
        var log = new LogLines("Mplane.Math.Repo");
        var settings = Configuration.YamlConfigurationReader.Parse<RepoConfiguration>(_site.TlsYaml(), "math_repo.yaml").Validate("math_repo.yaml", _site.Directory.Path);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(log));
        await using var repo = await RepoHost.StartAsync(settings, null, loggers, TestTimeout.Token);
        using var otherCa = new TestPki("Other-CA");
        var stranger = _site.RawClient(otherCa.Client("Probes", "Probe-1"));
        var intruder = _site.RawClient(_site.Intruder);
        var probe = _site.RawClient(_site.Probe1);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => stranger.GetAsync(new Uri(repo.Address, "/status"), TestTimeout.Token));
        Assert.Equal(HttpStatusCode.Forbidden, (await intruder.GetAsync(new Uri(repo.Address, "/status"), TestTimeout.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await probe.GetAsync(new Uri(repo.Address, "/admin"), TestTimeout.Token)).StatusCode);
        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(repo.Address, "/math/v1/streams/log_tcp_complete/files/a.out/x")) { Content = new ByteArrayContent([1]) };
        put.Headers.Add("Upload-Offset", "0");
        put.Headers.Add("Upload-Length", "1");
        put.Headers.Add("Upload-Stream-Type", "x'; DROP TABLE y");
        Assert.Equal(HttpStatusCode.BadRequest, (await probe.SendAsync(put, TestTimeout.Token)).StatusCode);

        Assert.Contains(log, l => l.StartsWith("Warning: Refused a TLS client certificate: CN=Probe-1", StringComparison.Ordinal) && l.Contains("issuer CN=Other-CA", StringComparison.Ordinal));
        Assert.Contains("Warning: Refused GET /status from org.mplane.SSB.Probes.Intruder: 403 identity org.mplane.SSB.Probes.Intruder may not read the status (math_repo-status is not authorized for it)", log);
        Assert.Contains("Warning: Refused GET /admin from org.mplane.SSB.Probes.Probe-1: 404", log);
        Assert.Contains(log, l => l.StartsWith("Warning: Refused PUT /math/v1/streams/log_tcp_complete/files/a.out/x from org.mplane.SSB.Probes.Probe-1: 400 stream type 'x'; DROP TABLE y' is not allowed", StringComparison.Ordinal));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _site.DisposeAsync();
}
