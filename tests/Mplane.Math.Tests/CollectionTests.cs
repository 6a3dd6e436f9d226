using System.Net;
using System.Text;
using Mplane.Math.Transfer;
using Mplane.Testing;
using Newtonsoft.Json.Linq;

namespace Mplane.Math.Tests;

/// <summary>Collections over the real endpoints: a real math_probe pushes, the repository proxy's identity opens, reads and ends.</summary>
public sealed class CollectionTests
{
    private const string Requester = "org.mplane.SSB.Clients.Client-1";
    private const string RepositoryIdentity = "org.mplane.SSB.Repositories.Repository-1";

    [Fact]
    public async Task A_collection_counts_per_stream_the_files_stored_in_its_scope_and_a_DELETE_ends_it()
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(site.TlsYaml());
        var proxy = site.RawClient(site.Repository);
        var before = DateTimeOffset.UtcNow;
        var all = await OpenAsync(proxy, repo.Address, before);
        Assert.Equal(Requester, (string?)all["requester"]);
        Assert.Equal(JTokenType.Null, all["end"]!.Type);
        Assert.False((bool)all["ended"]!);
        Assert.Empty((JArray)all["streams"]!);

        var (uploader, _, _) = await site.UploaderAsync(site.PushSettings(repo.Address, site.Probe1));
        Assert.Equal(2, await uploader.PassAsync(includeNewest: false, TestTimeout.Token));
        var middle = DateTimeOffset.UtcNow;
        var later = await OpenAsync(proxy, repo.Address, middle);
        var past = await OpenAsync(proxy, repo.Address, before, middle); // a scope already over: the report of what came in it
        Assert.True((bool)past["ended"]!);

        var (status, ended) = await SendAsync(proxy, HttpMethod.Delete, Resource(repo.Address, all));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True((bool)Json(ended)["ended"]!);

        // After the end of 'all' and the start of 'later': the newest file, and a second stream.
        Assert.Equal(1, await uploader.PassAsync(includeNewest: true, TestTimeout.Token));
        var (other, _, _) = await site.UploaderAsync(site.PushSettings(repo.Address, site.Probe1, ledger: "udp.jsonl", stream: "log_udp_complete"));
        Assert.Equal(3, await other.PassAsync(includeNewest: true, TestTimeout.Token));
        await repo.DrainAsync(TestTimeout.Token);

        var size = new FileInfo(site.SourceOf(MathSite.First)).Length + new FileInfo(site.SourceOf(MathSite.Second)).Length;
        foreach (var report in new[] { await ReportAsync(proxy, repo.Address, all), await ReportAsync(proxy, repo.Address, past) })
        {
            Assert.True((bool)report["ended"]!);
            Assert.Equal(0, (int)report["pending"]!);
            Assert.Equal([(MathSite.Stream, 2, 0, size, 0L)], Streams(report));
        }

        var open = await ReportAsync(proxy, repo.Address, later);
        Assert.False((bool)open["ended"]!);
        Assert.Equal(
            [
                ("log_tcp_complete", 1, 0, new FileInfo(site.SourceOf(MathSite.Newest)).Length, 0L),
                ("log_udp_complete", 3, 0, size + new FileInfo(site.SourceOf(MathSite.Newest)).Length, 0L),
            ],
            Streams(open));
    }

    [Fact]
    public async Task With_the_warehouse_handler_a_collection_reports_the_rows_imported_failures_and_no_rows_for_repeated_content()
    {
        await using var database = await TestDatabase.CreateAsync("mathcollect", TestTimeout.Token);
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(site.TlsYaml().Replace("handler: copy", "handler: warehouse", StringComparison.Ordinal), database.DataSource);
        var proxy = site.RawClient(site.Repository);
        var (uploader, _, _) = await site.UploaderAsync(site.PushSettings(repo.Address, site.Probe1) with { Gzip = false });
        Assert.Equal(2, await uploader.PassAsync(includeNewest: false, TestTimeout.Token));
        await repo.DrainAsync(TestTimeout.Token);

        var collection = await OpenAsync(proxy, repo.Address, DateTimeOffset.UtcNow);
        Assert.Equal(1, await uploader.PassAsync(includeNewest: true, TestTimeout.Token));

        // The first file's content again under another name (imported already: no new rows), and a file that is no log.
        using var copies = new TemporaryDirectory("copies");
        var again = copies.Combine("2015", "03-Mar", "2015_03_01_00_30.out", "log_tcp_complete");
        var broken = copies.Combine("2015", "03-Mar", "2015_03_01_01_30.out", "log_tcp_complete");
        Directory.CreateDirectory(Path.GetDirectoryName(again)!);
        Directory.CreateDirectory(Path.GetDirectoryName(broken)!);
        File.Copy(site.SourceOf(MathSite.First), again);
        await File.WriteAllTextAsync(broken, "this is not a Tstat log\n", TestTimeout.Token);
        var (copier, _, _) = await site.UploaderAsync(site.PushSettings(repo.Address, site.Probe1, ledger: "copies.jsonl", directory: copies.Path) with { Gzip = false });
        Assert.Equal(2, await copier.PassAsync(includeNewest: true, TestTimeout.Token));
        await repo.DrainAsync(TestTimeout.Token);

        var newestRows = await database.ScalarAsync<long>("SELECT row_count FROM mplane.imports WHERE path LIKE $1", "%2015_02_28_00_30.out%");
        Assert.Equal(165L, newestRows);
        var report = await ReportAsync(proxy, repo.Address, collection);
        var bytes = new FileInfo(site.SourceOf(MathSite.Newest)).Length + new FileInfo(again).Length + new FileInfo(broken).Length;
        Assert.Equal([(MathSite.Stream, 3, 1, bytes, newestRows)], Streams(report));
        Assert.Equal(0, (int)report["pending"]!);
        Assert.Equal(0L, repo.Services.Store.Ledger.Find(MathSite.Stream, "2015/03-Mar/2015_03_01_00_30.out/log_tcp_complete")!.Rows);
        Assert.Equal(495L, await database.ScalarAsync<long>("SELECT count(*) FROM log_tcp_complete")); // the repeat added nothing
    }

    [Fact]
    public async Task A_restart_of_math_repo_keeps_its_collections_and_the_ledger_facts_behind_their_reports()
    {
        await using var site = new MathSite();
        var yaml = site.TlsYaml();
        var repo = await site.StartRepoAsync(yaml);
        var proxy = site.RawClient(site.Repository);
        var open = await OpenAsync(proxy, repo.Address, DateTimeOffset.UtcNow);
        var closed = await OpenAsync(proxy, repo.Address, DateTimeOffset.UtcNow);
        var (uploader, _, _) = await site.UploaderAsync(site.PushSettings(repo.Address, site.Probe1));
        Assert.Equal(2, await uploader.PassAsync(includeNewest: false, TestTimeout.Token));
        await repo.DrainAsync(TestTimeout.Token);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(proxy, HttpMethod.Delete, Resource(repo.Address, closed))).Status);

        await site.StopAsync(repo);
        repo = await site.StartRepoAsync(yaml);
        var size = new FileInfo(site.SourceOf(MathSite.First)).Length + new FileInfo(site.SourceOf(MathSite.Second)).Length;
        var reopened = await ReportAsync(proxy, repo.Address, open);
        Assert.False((bool)reopened["ended"]!);
        Assert.Equal((string?)open["start"], (string?)reopened["start"]);
        Assert.EndsWith("+00:00", (string?)reopened["start"], StringComparison.Ordinal); // UTC, whatever the server's zone
        Assert.Equal([(MathSite.Stream, 2, 0, size, 0L)], Streams(reopened));
        var ended = await ReportAsync(proxy, repo.Address, closed);
        Assert.True((bool)ended["ended"]!);
        Assert.Equal([(MathSite.Stream, 2, 0, size, 0L)], Streams(ended));

        var stored = repo.Services.Store.Ledger.Find(MathSite.Stream, MathSite.First)!;
        Assert.Equal(("handled", "org.mplane.SSB.Probes.Probe-1"), (stored.State, stored.Peer));
        Assert.NotNull(stored.StoredAt);
        Assert.True(stored.StoredAt <= stored.At); // handling set At and kept the storing time
        Assert.Null(stored.Rows); // the copy handler imports nothing
        Assert.False(File.Exists(Path.Combine(site.Spool, "collections.json.tmp")));
    }

    [Fact]
    public async Task Collections_are_refused_to_identities_not_authorized_for_math_repo_collect_and_read_or_ended_only_by_their_opener()
    {
        await using var site = new MathSite();
        var other = site.Pki.Client("Repositories", "Repository-2");
        var yaml = site.TlsYaml().Replace("roles:\n", "roles:\n  org.mplane.SSB.Repositories.Repository-2: repository\n", StringComparison.Ordinal);
        var repo = await site.StartRepoAsync(yaml);
        var body = Request(DateTimeOffset.UtcNow, null, Requester);

        var (status, answer) = await SendAsync(site.RawClient(site.Probe1), HttpMethod.Post, new Uri(repo.Address, CollectionProtocol.Path), body);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("org.mplane.SSB.Probes.Probe-1", answer, StringComparison.Ordinal);
        Assert.Contains(CollectionProtocol.Label, answer, StringComparison.Ordinal);

        var collection = await OpenAsync(site.RawClient(site.Repository), repo.Address, DateTimeOffset.UtcNow);
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Delete })
        {
            (status, answer) = await SendAsync(site.RawClient(site.Operator), method, Resource(repo.Address, collection));
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains("org.mplane.SSB.Operators.Op-1", answer, StringComparison.Ordinal);
            (status, answer) = await SendAsync(site.RawClient(other), method, Resource(repo.Address, collection));
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains("another identity", answer, StringComparison.Ordinal);
        }

        Assert.False((bool)(await ReportAsync(site.RawClient(site.Repository), repo.Address, collection))["ended"]!); // nobody else ended it

        // Default deny: without the authorization, the repository proxy itself is refused.
        var denying = await site.StartRepoAsync(site.TlsYaml().Replace("  math_repo-collect: repository\n", string.Empty, StringComparison.Ordinal));
        (status, answer) = await SendAsync(site.RawClient(site.Repository), HttpMethod.Post, new Uri(denying.Address, CollectionProtocol.Path), body);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains(RepositoryIdentity, answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_requests_and_ids_are_refused_naming_what_is_wrong_and_open_nothing()
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(site.TlsYaml());
        var proxy = site.RawClient(site.Repository);
        var cases = new (string Body, string Named)[]
        {
            ("not json", "JSON"),
            ("[1, 2]", "JSON object"),
            ("""{"start":"2015-02-27T22:00:00Z","requester":"x"} {}""", "JSON"),
            ("""{"end":"2015-02-27T22:00:00Z","requester":"x"}""", "start"),
            ("""{"start":"yesterday","requester":"x"}""", "start"),
            ("""{"start":"27/02/2015 22:00","requester":"x"}""", "start"),
            ("""{"start":1424995200,"requester":"x"}""", "start"),
            ("""{"start":"2015-02-27T22:00:00Z","end":"2015-02-27T21:00:00Z","requester":"x"}""", "end"),
            ("""{"start":"2015-02-27T22:00:00Z","end":"2015-02-27T23:00:00+01:00","requester":"x"}""", "end"), // the same instant
            ("""{"start":"2015-02-27T22:00:00Z","end":true,"requester":"x"}""", "end"),
            ("""{"start":"2015-02-27T22:00:00Z","requester":""}""", "requester"),
            ("""{"start":"2015-02-27T22:00:00Z","requester":"   "}""", "requester"),
            ("""{"start":"2015-02-27T22:00:00Z","requester":42}""", "requester"),
            ("""{"start":"2015-02-27T22:00:00Z"}""", "requester"),
        };
        foreach (var (body, named) in cases)
        {
            var (status, answer) = await SendAsync(proxy, HttpMethod.Post, new Uri(repo.Address, CollectionProtocol.Path), body);
            Assert.True(status == HttpStatusCode.BadRequest, $"{body}: {(int)status} {answer}");
            Assert.True(answer.Contains(named, StringComparison.Ordinal), $"{body}: '{answer}' does not name {named}");
        }

        var huge = Request(DateTimeOffset.UtcNow, null, new string('x', 20_000));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await SendAsync(proxy, HttpMethod.Post, new Uri(repo.Address, CollectionProtocol.Path), huge)).Status);
        using (var text = new HttpRequestMessage(HttpMethod.Post, new Uri(repo.Address, CollectionProtocol.Path)) { Content = new StringContent(Request(DateTimeOffset.UtcNow, null, "x"), Encoding.UTF8, "text/plain") })
        using (var response = await proxy.SendAsync(text, TestTimeout.Token))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }

        Assert.False(File.Exists(Path.Combine(site.Spool, "collections.json"))); // nothing was opened

        foreach (var id in new[] { "xyz", new string('A', 32), new string('0', 31), new string('0', 33), "0123456789abcdef0123456789abcdeg" })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(proxy, HttpMethod.Get, new Uri(repo.Address, $"{CollectionProtocol.Path}/{id}"))).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(proxy, HttpMethod.Delete, new Uri(repo.Address, $"{CollectionProtocol.Path}/{id}"))).Status);
        }

        var unknown = new Uri(repo.Address, $"{CollectionProtocol.Path}/{new string('0', 32)}");
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(proxy, HttpMethod.Get, unknown)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(proxy, HttpMethod.Delete, unknown)).Status);
    }

    [Fact]
    public async Task With_accept_collections_uploads_and_registrations_wait_for_an_open_collection()
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(site.TlsYaml("accept: collections"));
        var probe = site.RawClient(site.Probe1);
        var file = new Uri(repo.Address, PushProtocol.FilePath(MathSite.Stream, MathSite.First));

        async Task AssertClosedAsync()
        {
            using var head = await probe.SendAsync(new HttpRequestMessage(HttpMethod.Head, file), TestTimeout.Token);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, head.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(30), head.Headers.RetryAfter?.Delta);
            var registration = """{"CallBackUrl":"127.0.0.1:1","StreamName":"log_tcp_complete","StreamType":"log_tcp_complete_v15","StartTime":0}""";
            var (status, answer) = await SendAsync(probe, HttpMethod.Post, new Uri(repo.Address, "/DBSImport"), registration);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains("collection", answer, StringComparison.Ordinal);
        }

        await AssertClosedAsync();
        using (var intruder = await site.RawClient(site.Intruder).SendAsync(new HttpRequestMessage(HttpMethod.Head, file), TestTimeout.Token))
        {
            Assert.Equal(HttpStatusCode.Forbidden, intruder.StatusCode); // authorization comes first
        }

        var proxy = site.RawClient(site.Repository);
        var future = await OpenAsync(proxy, repo.Address, DateTimeOffset.UtcNow.AddHours(1));
        await AssertClosedAsync(); // open only once its scope starts

        var collection = await OpenAsync(proxy, repo.Address, DateTimeOffset.UtcNow);
        var (uploader, _, _) = await site.UploaderAsync(site.PushSettings(repo.Address, site.Probe1));
        Assert.Equal(2, await uploader.PassAsync(includeNewest: false, TestTimeout.Token));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(proxy, HttpMethod.Delete, Resource(repo.Address, collection))).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(proxy, HttpMethod.Delete, Resource(repo.Address, future))).Status);
        await AssertClosedAsync();
        Assert.Equal(2, repo.Services.Store.Ledger.Entries.Count);

        var configuration = Mplane.Configuration.YamlConfigurationReader.Parse<Repo.RepoConfiguration>(site.TlsYaml("accept: sometimes"), "math_repo.yaml");
        var wrong = Assert.Throws<Mplane.Configuration.ConfigurationException>(() => configuration.Validate("math_repo.yaml", site.Directory.Path));
        Assert.Contains("accept", wrong.Message, StringComparison.Ordinal);
    }

    private static string Request(DateTimeOffset start, DateTimeOffset? end, string requester) =>
        new JObject { ["start"] = start.ToString("O"), ["end"] = end?.ToString("O"), ["requester"] = requester }.ToString();

    private static async Task<JObject> OpenAsync(HttpClient http, Uri repository, DateTimeOffset start, DateTimeOffset? end = null)
    {
        using var content = new StringContent(Request(start, end, Requester), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(repository, CollectionProtocol.Path), content, TestTimeout.Token);
        var body = await response.Content.ReadAsStringAsync(TestTimeout.Token);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var report = Json(body);
        Assert.Equal($"{CollectionProtocol.Path}/{report["id"]}", response.Headers.Location?.ToString());
        return report;
    }

    private static async Task<JObject> ReportAsync(HttpClient http, Uri repository, JObject collection)
    {
        var (status, body) = await SendAsync(http, HttpMethod.Get, Resource(repository, collection));
        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {body}");
        var report = Json(body);
        Assert.Equal((string?)collection["id"], (string?)report["id"]);
        return report;
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient http, HttpMethod method, Uri uri, string? json = null)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, TestTimeout.Token);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestTimeout.Token));
    }

    /// <summary>A report as sent: times stay the text math_repo wrote.</summary>
    private static JObject Json(string body) =>
        Newtonsoft.Json.JsonConvert.DeserializeObject<JObject>(body, new Newtonsoft.Json.JsonSerializerSettings { DateParseHandling = Newtonsoft.Json.DateParseHandling.None })!;

    private static Uri Resource(Uri repository, JObject collection) => new(repository, $"{CollectionProtocol.Path}/{collection["id"]}");

    private static List<(string Stream, int Files, int Failed, long Bytes, long Rows)> Streams(JObject report) =>
        ((JArray)report["streams"]!).Select(s => ((string)s["stream"]!, (int)s["files"]!, (int)s["failed"]!, (long)s["bytes"]!, (long)s["rows"]!)).ToList();
}
