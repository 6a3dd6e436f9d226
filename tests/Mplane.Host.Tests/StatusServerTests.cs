using System.Net;
using System.Text.Json;
using Mplane.LogFormats.Scanning;
using Mplane.Testing;
using Mplane.Warehouse.Import;
using Mplane.Warehouse.Jobs;

namespace Mplane.Host.Tests;

public sealed class StatusServerTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("status", TestTimeout.Token);
        await SampleWarehouse.ImportSamplesAsync(_database, TestTimeout.Token);
        var flows = SampleWarehouse.Jobs("flows_5min")[0];
        await SampleWarehouse.RunAsync(_database, [flows, SampleWarehouse.Broken(flows)], TestTimeout.Token);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Status_is_json_over_http_on_loopback_and_nothing_else_is_served()
    {
        await using var app = StatusServer.Build(_database.DataSource, port: 0);
        await app.StartAsync(TestTimeout.Token);
        var address = StatusServer.Address(app);
        Assert.Equal(IPAddress.Loopback, IPAddress.Parse(address.Host));

        using var http = new HttpClient { BaseAddress = address };
        using var response = await http.GetAsync("/status", TestTimeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestTimeout.Token));
        var root = json.RootElement;
        var stream = root.GetProperty("streams").EnumerateArray().Single();
        Assert.Equal("public.log_tcp_complete", stream.GetProperty("name").GetString());
        Assert.Equal(3, stream.GetProperty("files").GetInt64());
        Assert.Equal(495, stream.GetProperty("rows").GetInt64());

        var tables = root.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal(495, tables["public.log_tcp_complete"].GetProperty("rows").GetInt64());
        Assert.Equal("view", tables["public.flows_5min"].GetProperty("kind").GetString());

        var jobs = root.GetProperty("jobs").EnumerateArray().ToDictionary(j => j.GetProperty("name").GetString()!);
        Assert.Equal(25, jobs["flows_5min"].GetProperty("windowsComputed").GetInt64()); // the windows from 22:30 to 00:30
        Assert.False(jobs["flows_5min"].GetProperty("running").GetBoolean());
        Assert.Equal(1, jobs["broken"].GetProperty("failures").GetInt32());
        Assert.Contains("division by zero", jobs["broken"].GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Contains(root.GetProperty("errors").EnumerateArray(), e => e.GetProperty("job").GetString() == "broken");

        using (var partitions = JsonDocument.Parse(await http.GetStringAsync("/status/tables/public.log_tcp_complete/partitions", TestTimeout.Token)))
        {
            var list = partitions.RootElement.GetProperty("partitions").EnumerateArray().ToList();
            Assert.Equal(495, list.Sum(p => p.GetProperty("rows").GetInt64()));
            Assert.Equal("log_tcp_complete_1425076200", list[0].GetProperty("name").GetString()); // 22:30 UTC, oldest first
            Assert.All(list, p => Assert.True(p.GetProperty("bytes").GetInt64() > 0));
        }

        using var unknown = await http.GetAsync("/status/tables/nosuch/partitions", TestTimeout.Token);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no continuous table public.nosuch", await unknown.Content.ReadAsStringAsync(TestTimeout.Token), StringComparison.Ordinal);
        using var injected = await http.GetAsync("/status/tables/x%3BDROP%20TABLE%20t/partitions", TestTimeout.Token);
        Assert.Equal(HttpStatusCode.BadRequest, injected.StatusCode);
        Assert.Contains("is not allowed", await injected.Content.ReadAsStringAsync(TestTimeout.Token), StringComparison.Ordinal);

        using var post = await http.PostAsync("/status", new StringContent("{}"), TestTimeout.Token);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        using var other = await http.GetAsync("/../etc/passwd", TestTimeout.Token);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        using var nothing = await http.GetAsync("/status/nothing", TestTimeout.Token);
        Assert.Equal(HttpStatusCode.NotFound, nothing.StatusCode);

        // A request for another name (a page elsewhere that rebound its name to 127.0.0.1) is refused.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/status");
        rebound.Headers.Host = "attacker.example";
        using var refused = await http.SendAsync(rebound, TestTimeout.Token);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var named = new HttpRequestMessage(HttpMethod.Get, "/status");
        named.Headers.Host = $"localhost:{address.Port}";
        using var answered = await http.SendAsync(named, TestTimeout.Token);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
    }

    [Fact]
    public async Task A_job_is_running_only_while_this_database_holds_its_lock()
    {
        await using var other = await TestDatabase.CreateAsync("statusother", TestTimeout.Token);
        const string Lock = "SELECT pg_advisory_lock(hashtextextended('mplane.job:flows_5min', 0))";
        await using (var elsewhere = await other.DataSource.OpenConnectionAsync(TestTimeout.Token))
        {
            await using (var take = new Npgsql.NpgsqlCommand(Lock, elsewhere))
            {
                await take.ExecuteNonQueryAsync(TestTimeout.Token);
            }

            // Another warehouse on the same server runs its own flows_5min: not ours.
            Assert.False((await Warehouse.Status.WarehouseStatus.ReadAsync(_database.DataSource, TestTimeout.Token)).Jobs.Single(j => j.Name == "flows_5min").Running);
        }

        await using var here = await _database.DataSource.OpenConnectionAsync(TestTimeout.Token);
        await using (var take = new Npgsql.NpgsqlCommand(Lock, here))
        {
            await take.ExecuteNonQueryAsync(TestTimeout.Token);
        }

        Assert.True((await Warehouse.Status.WarehouseStatus.ReadAsync(_database.DataSource, TestTimeout.Token)).Jobs.Single(j => j.Name == "flows_5min").Running);
    }

    [Fact]
    public async Task Alarms_are_served_for_a_time_range_and_bad_times_get_400()
    {
        var store = new Mplane.Analysis.AlarmStore(_database.DataSource);
        await store.EnsureAsync(TestTimeout.Token);
        var bin = new DateTimeOffset(2015, 2, 27, 23, 0, 0, TimeSpan.Zero);
        await store.WriteAsync(
            [
                new Mplane.Analysis.AlarmRecord(bin, 300, "server_ip", "kl_refset", 0.9, 0.05, true, "ok", 12, bin.AddHours(-1), bin, 12, [new("10.0.0.1", 0.7, 0.6, 0.01)], "{}"),
                new Mplane.Analysis.AlarmRecord(bin.AddMinutes(5), 300, "server_ip", "kl_refset", 0.01, 0.05, false, "ok", 12, null, null, 0, [], "{}"),
            ],
            TestTimeout.Token);
        await using var app = StatusServer.Build(_database.DataSource, port: 0);
        await app.StartAsync(TestTimeout.Token);
        using var http = new HttpClient { BaseAddress = StatusServer.Address(app) };

        using (var alarms = JsonDocument.Parse(await http.GetStringAsync("/status/alarms?from=2015-02-27T00:00:00Z", TestTimeout.Token)))
        {
            var one = alarms.RootElement.GetProperty("alarms").EnumerateArray().Single();
            Assert.Equal("server_ip", one.GetProperty("record").GetProperty("feature").GetString());
            Assert.Equal("10.0.0.1", one.GetProperty("record").GetProperty("topContributors")[0].GetProperty("key").GetString());
            Assert.Equal("open", one.GetProperty("alarmState").GetString());
        }

        using (var all = JsonDocument.Parse(await http.GetStringAsync("/status/alarms?from=2015-02-27T00:00:00Z&all=true", TestTimeout.Token)))
        {
            Assert.Equal(2, all.RootElement.GetProperty("alarms").GetArrayLength());
        }

        using var bad = await http.GetAsync("/status/alarms?from=yesterday", TestTimeout.Token);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var error = JsonDocument.Parse(await bad.Content.ReadAsStringAsync(TestTimeout.Token));
        Assert.Equal("from: 'yesterday' is not an ISO-8601 time", error.RootElement.GetProperty("error").GetString());
    }
}
