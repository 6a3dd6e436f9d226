using System.Net;
using System.Text.Json;
using Mplane.Host.Modules;
using Mplane.Testing;
using Npgsql;

namespace Mplane.Host.Tests;

/// <summary>The dashboard's JSON API and its files, over plain HTTP.</summary>
public sealed class DashboardApiTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private readonly TestDatabase _database = fixture.Database;
    private readonly HttpClient _http = fixture.Http;

    [Fact]
    public async Task A_series_holds_the_views_values_per_window()
    {
        var expected = await RowsAsync("SELECT extract(epoch FROM serial_time)::bigint, flows, bytes FROM flows_5min ORDER BY 1");
        using var json = await GetJsonAsync("/status/series?table=flows_5min&columns=flows,bytes");
        var root = json.RootElement;
        Assert.Equal("public.flows_5min", root.GetProperty("table").GetString());
        Assert.Equal(300, root.GetProperty("windowSeconds").GetInt64());
        Assert.Equal(300, root.GetProperty("stepSeconds").GetInt64());
        // Without a range: the newest day of data, here all of it (22:30 to 00:35).
        Assert.Equal(new DateTimeOffset(2015, 2, 27, 22, 30, 0, TimeSpan.Zero), root.GetProperty("from").GetDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2015, 2, 28, 0, 35, 0, TimeSpan.Zero), root.GetProperty("to").GetDateTimeOffset());
        Assert.Equal(root.GetProperty("to").GetDateTimeOffset(), root.GetProperty("last").GetDateTimeOffset());

        Assert.Equal(expected.Select(r => r[0]), root.GetProperty("time").EnumerateArray().Select(t => t.GetInt64()));
        var series = root.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(["flows", "bytes"], series.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(expected.Select(r => (double)r[1]), series[0].GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(expected.Select(r => (double)r[2]), series[1].GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(495, expected.Sum(r => r[1]));
    }

    [Fact]
    public async Task A_long_range_is_reduced_to_the_points_asked_for()
    {
        var rows = await RowsAsync("SELECT extract(epoch FROM serial_time)::bigint, flows FROM flows_5min ORDER BY 1");

        // Half-hour points (six windows each) over the samples: the average of the windows each holds.
        using (var json = await GetJsonAsync("/status/series?table=flows_5min&columns=flows&from=2015-02-27T22:30:00Z&to=2015-02-28T00:35:00Z&points=5"))
        {
            var root = json.RootElement;
            Assert.Equal(1800, root.GetProperty("stepSeconds").GetInt64());
            Assert.Equal("avg", root.GetProperty("aggregate").GetString());
            var expected = rows.GroupBy(r => r[0] / 1800 * 1800).Select(g => (Time: g.Key, Value: g.Average(r => (double)r[1]))).ToList();
            Assert.Equal(expected.Select(e => e.Time), root.GetProperty("time").EnumerateArray().Select(t => t.GetInt64()));
            Assert.Equal(expected.Select(e => e.Value), root.GetProperty("series")[0].GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
        }

        // Two months in at most ten points, adding the windows up: every flow is still counted once.
        using (var json = await GetJsonAsync("/status/series?table=flows_5min&columns=flows&from=2015-01-01T00:00:00Z&to=2015-03-01T00:00:00Z&points=10&aggregate=sum"))
        {
            var root = json.RootElement;
            Assert.InRange(root.GetProperty("time").GetArrayLength(), 1, 10);
            Assert.Equal(0, root.GetProperty("stepSeconds").GetInt64() % 300);
            Assert.Equal(495, root.GetProperty("series")[0].GetProperty("values").EnumerateArray().Sum(v => v.GetDouble()));
        }
    }

    [Fact]
    public async Task Top_keys_are_the_largest_totals_first_with_their_values_per_window()
    {
        var totals = await RowsAsync("SELECT port, sum(flows)::bigint FROM top_ports_5min GROUP BY port ORDER BY 2 DESC, port::text");
        using var json = await GetJsonAsync("/status/top?table=top_ports_5min&key=port&value=flows&limit=1");
        var series = json.RootElement.GetProperty("series").EnumerateArray().Single();
        Assert.Equal(totals[0][0].ToString(System.Globalization.CultureInfo.InvariantCulture), series.GetProperty("name").GetString());
        var values = series.GetProperty("values").EnumerateArray().ToList();
        Assert.Equal(json.RootElement.GetProperty("time").GetArrayLength(), values.Count);
        Assert.Equal(totals[0][1], values.Where(v => v.ValueKind == JsonValueKind.Number).Sum(v => v.GetDouble()));

        using var all = await GetJsonAsync("/status/top?table=top_ports_5min&key=port&value=flows&limit=20");
        Assert.Equal(totals.Select(t => t[0].ToString(System.Globalization.CultureInfo.InvariantCulture)), all.RootElement.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Modules_are_listed_with_their_states_by_name_even_in_a_new_database()
    {
        // A database nothing has used yet: the API creates what it reads from, as /status does.
        await using var empty = await TestDatabase.CreateAsync("dashboardempty", TestTimeout.Token);
        await using var app = StatusServer.Build(empty.DataSource, port: 0);
        await app.StartAsync(TestTimeout.Token);
        using var http = new HttpClient { BaseAddress = StatusServer.Address(app) };
        using (var none = JsonDocument.Parse(await http.GetStringAsync("/status/modules", TestTimeout.Token)))
        {
            Assert.Equal(0, none.RootElement.GetProperty("modules").GetArrayLength());
        }

        await AssertRefusedAsync(http, "/status/series?table=flows_5min&columns=flows", "table", "no continuous table public.flows_5min");

        await new ModuleStates(empty.DataSource).ReportAsync("scheduler", "host-1:42", ModuleState.Running, null, 0, TestTimeout.Token);
        using var json = JsonDocument.Parse(await http.GetStringAsync("/status/modules", TestTimeout.Token));
        var module = json.RootElement.GetProperty("modules").EnumerateArray().Single();
        Assert.Equal("scheduler", module.GetProperty("module").GetString());
        Assert.Equal("host-1:42", module.GetProperty("instance").GetString());
        Assert.Equal("running", module.GetProperty("state").GetString());
        Assert.False(module.GetProperty("lost").GetBoolean());
    }

    [Theory]
    [InlineData("/status/series?columns=flows", "table", "is required")]
    [InlineData("/status/series?table=flows_5min%3BDROP%20TABLE%20flows_5min&columns=flows", "table", "is not allowed")]
    [InlineData("/status/series?table=flows_5min&table=clients_5min&columns=flows", "table", "more than once")]
    [InlineData("/status/series?table=flows_5min&columns=flows,%22bytes%22", "columns", "is not allowed")]
    [InlineData("/status/series?table=flows_5min&columns=Flows", "columns", "is not allowed")]
    [InlineData("/status/series?table=flows_5min&columns=flows,flows", "columns", "more than once")]
    [InlineData("/status/series?table=flows_5min&columns=a,b,c,d,e,f,g,h,i", "columns", "at most 8")]
    [InlineData("/status/series?table=flows_5min&columns=flows&from=yesterday", "from", "is not an ISO-8601 time")]
    [InlineData("/status/series?table=flows_5min&columns=flows&points=1", "points", "from 2 to 5000")]
    [InlineData("/status/series?table=flows_5min&columns=flows&aggregate=median", "aggregate", "avg, max, min, sum")]
    [InlineData("/status/top?table=top_ports_5min&key=port%20--&value=flows", "key", "is not allowed")]
    [InlineData("/status/top?table=top_ports_5min&key=port&value=1%3D1", "value", "is not allowed")]
    [InlineData("/status/top?table=top_ports_5min&key=port&value=flows&limit=21", "limit", "from 1 to 20")]
    public async Task A_malformed_parameter_is_refused_before_any_sql(string path, string parameter, string problem)
    {
        // A server whose database cannot be reached: any SQL would fail with 500, so a 400 proves none was sent.
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=nobody;Password=none;Database=none;Timeout=2");
        await using var app = StatusServer.Build(unreachable, port: 0);
        await app.StartAsync(TestTimeout.Token);
        using var http = new HttpClient { BaseAddress = StatusServer.Address(app) };
        await AssertRefusedAsync(http, path, parameter, problem);
    }

    [Theory]
    [InlineData("/status/series?table=nosuch&columns=flows", "table", "no continuous table public.nosuch")]
    [InlineData("/status/series?table=mplane.tables&columns=window_seconds", "table", "no continuous table mplane.tables")]
    [InlineData("/status/series?table=flows_5min&columns=flows,nosuch", "columns", "public.flows_5min has no column 'nosuch'")]
    [InlineData("/status/series?table=flows_5min&columns=serial_time", "columns", "has no column 'serial_time'")]
    [InlineData("/status/series?table=log_tcp_complete&columns=c_ip", "columns", "column 'c_ip' of public.log_tcp_complete is inet, not a number")]
    [InlineData("/status/series?table=flows_5min&columns=flows&from=2015-02-28T00:00:00Z&to=2015-02-27T00:00:00Z", "to", "is not after from")]
    [InlineData("/status/top?table=top_ports_5min&key=nosuch&value=flows", "key", "has no column 'nosuch'")]
    [InlineData("/status/top?table=log_tcp_complete&key=s_port&value=c_ip", "value", "is inet, not a number")]
    public async Task A_name_the_catalogue_does_not_know_is_refused(string path, string parameter, string problem) =>
        await AssertRefusedAsync(_http, path, parameter, problem);

    [Theory]
    [InlineData("/dashboard/", "text/html", "<title>Status")]
    [InlineData("/dashboard/index.html", "text/html", "<title>Status")]
    [InlineData("/dashboard/plots.html", "text/html", "<title>Plots")]
    [InlineData("/dashboard/js/plots.js", "text/javascript", "import")]
    [InlineData("/dashboard/css/dashboard.css", "text/css", ":root")]
    [InlineData("/dashboard/vendor/uPlot.iife.min.js", "text/javascript", "uPlot")]
    [InlineData("/dashboard/vendor/uPlot.min.css", "text/css", ".uplot")]
    [InlineData("/dashboard/vendor/uPlot.LICENSE.txt", "text/plain", "MIT")]
    [InlineData("/dashboard/icon.svg", "image/svg+xml", "<svg")]
    public async Task The_pages_files_are_served_from_the_assembly_with_their_types(string path, string mediaType, string content)
    {
        using var response = await _http.GetAsync(path, TestTimeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(content, await response.Content.ReadAsStringAsync(TestTimeout.Token), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        // Unchanged since the browser's copy: 304, without the body.
        using var again = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { IfNoneMatch = { response.Headers.ETag! } } };
        using var notModified = await _http.SendAsync(again, TestTimeout.Token);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync(TestTimeout.Token));
    }

    [Fact]
    public async Task The_files_are_the_ones_in_the_repository()
    {
        var wwwroot = Path.Combine(TestPaths.Home.Root, "repository", "Mplane.Host", "Dashboard", "wwwroot");
        var files = Directory.EnumerateFiles(wwwroot, "*", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var path = "/dashboard/" + Path.GetRelativePath(wwwroot, file).Replace(Path.DirectorySeparatorChar, '/');
            Assert.Equal(await File.ReadAllBytesAsync(file, TestTimeout.Token), await _http.GetByteArrayAsync(path, TestTimeout.Token));
        }
    }

    [Theory]
    [InlineData("/", "/dashboard/")]
    [InlineData("/dashboard", "/dashboard/")]
    public async Task The_root_leads_to_the_status_page(string path, string location)
    {
        using var response = await _http.GetAsync(path, TestTimeout.Token);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(location, response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/dashboard/nosuch.html")]
    [InlineData("/dashboard/INDEX.HTML")]
    [InlineData("/dashboard/js/")]
    [InlineData("/dashboard/vendor")]
    [InlineData("/dashboard/..%2FMplane.Host.dll")]
    [InlineData("/dashboard/..%2F..%2Fappsettings.json")]
    [InlineData("/dashboards")]
    [InlineData("/status/nosuch")]
    public async Task Nothing_else_is_served(string path)
    {
        using var response = await _http.GetAsync(path, TestTimeout.Token);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task The_files_only_answer_get()
    {
        using var post = await _http.PostAsync("/dashboard/index.html", new StringContent("x"), TestTimeout.Token);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    private static async Task AssertRefusedAsync(HttpClient http, string path, string parameter, string problem)
    {
        using var response = await http.GetAsync(path, TestTimeout.Token);
        var body = await response.Content.ReadAsStringAsync(TestTimeout.Token);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        Assert.Equal(parameter, json.RootElement.GetProperty("parameter").GetString());
        var error = json.RootElement.GetProperty("error").GetString()!;
        Assert.StartsWith(parameter + ": ", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    private async Task<JsonDocument> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(path, TestTimeout.Token);
        var body = await response.Content.ReadAsStringAsync(TestTimeout.Token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore);
        return JsonDocument.Parse(body);
    }

    private async Task<List<long[]>> RowsAsync(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(TestTimeout.Token);
        var rows = new List<long[]>();
        while (await reader.ReadAsync(TestTimeout.Token))
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToInt64(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        }

        return rows;
    }
}
