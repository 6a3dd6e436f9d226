using System.Net;
using Microsoft.Extensions.Logging;
using Mplane.Testing;

namespace Mplane.Host.Tests;

/// <summary>The status server says in its log what it refused: the method, the request, the peer and the status.</summary>
public sealed class StatusServerRefusalLogTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("refusallog", TestTimeout.Token);

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task A_refused_request_is_a_warning_naming_it_a_missing_page_information_and_a_served_one_nothing()
    {
        var log = new LogLines(typeof(StatusServer).FullName!);
        await using var app = StatusServer.Build(_database.DataSource, 0, logging => logging.AddProvider(log));
        await app.StartAsync(TestTimeout.Token);
        using var http = new HttpClient { BaseAddress = StatusServer.Address(app) };

        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/status/series?table=x%3BDROP%20TABLE%20y&columns=a", TestTimeout.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync("/status", new StringContent("{}"), TestTimeout.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/favicon.ico", TestTimeout.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/status", TestTimeout.Token)).StatusCode);

        var refused = log.Where(l => l.Contains("Refused", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, refused.Count);
        Assert.StartsWith("Warning: Refused GET /status/series?table=x%3BDROP%20TABLE%20y&columns=a from 127.0.0.1: 400", refused[0], StringComparison.Ordinal);
        Assert.StartsWith("Warning: Refused POST /status from 127.0.0.1: 405", refused[1], StringComparison.Ordinal);
        Assert.StartsWith("Information: Refused GET /favicon.ico from 127.0.0.1: 404", refused[2], StringComparison.Ordinal);
    }
}
