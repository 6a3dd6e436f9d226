using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mplane.Testing;

namespace Mplane.Host.Tests;

/// <summary>The stream tables' API: token or nothing, stream statements only, bulk rows by COPY.</summary>
public sealed class StreamsEndpointsTests : IAsyncLifetime
{
    private const string Token = "0123456789abcdef0123";
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("streamsapi", TestTimeout.Token);

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient http, string path, string body, string? token = Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request, TestTimeout.Token);
        var text = await response.Content.ReadAsStringAsync(TestTimeout.Token);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task Without_a_configured_token_the_write_side_does_not_exist_and_with_one_it_is_required()
    {
        await using (var closed = StatusServer.Build(_database.DataSource, port: 0))
        {
            await closed.StartAsync(TestTimeout.Token);
            using var http = new HttpClient { BaseAddress = StatusServer.Address(closed) };
            Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(http, "/streams/statements", "DROP STREAM TABLE x")).Status);
        }

        await using var app = StatusServer.Build(_database.DataSource, port: 0, streamsToken: Token);
        await app.StartAsync(TestTimeout.Token);
        using var client = new HttpClient { BaseAddress = StatusServer.Address(app) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(client, "/streams/statements", "DROP STREAM TABLE x", token: null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(client, "/streams/statements", "DROP STREAM TABLE x", token: Token + "x")).Status);
    }

    [Fact]
    public async Task Statements_and_bulk_rows_drive_the_seed_s_stream_table_and_plain_sql_is_refused()
    {
        await using var app = StatusServer.Build(_database.DataSource, port: 0, streamsToken: Token);
        await app.StartAsync(TestTimeout.Token);
        using var http = new HttpClient { BaseAddress = StatusServer.Address(app) };

        var created = await PostAsync(http, "/streams/statements", "CREATE STREAM TABLE inputStream (val INT, label text) SET WINDOW 4 STRIDE 2;");
        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Contains("stream table inputstream created", created.Body.GetProperty("done")[0].GetString(), StringComparison.Ordinal);

        var plain = await PostAsync(http, "/streams/statements", "INSERT INTO inputStream VALUES (1, 'a');\nDROP TABLE inputstream;");
        Assert.Equal(HttpStatusCode.BadRequest, plain.Status);
        Assert.Equal("line 2: only stream statements are accepted here, not plain SQL", plain.Body.GetProperty("error").GetString());
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM inputstream")); // refused as a whole before anything ran

        var expressive = await PostAsync(http, "/streams/statements", "CREATE STREAM TABLE evil (v int DEFAULT pg_backend_pid());");
        Assert.Equal(HttpStatusCode.BadRequest, expressive.Status);
        Assert.Contains("names and types only", expressive.Body.GetProperty("error").GetString(), StringComparison.Ordinal);

        var copied = await PostAsync(http, "/streams/tables/inputstream/rows", """[[33, "a,b"], [29, "say \"hi\"\nthere"], [30, null], [32, "\\N"]]""");
        Assert.Equal(HttpStatusCode.OK, copied.Status);
        Assert.Equal(4, copied.Body.GetProperty("rows").GetInt32());
        Assert.Equal(31.0, (double)await _database.ScalarAsync<decimal>("SELECT avg(val) FROM inputstream"));
        Assert.Equal("say \"hi\"\nthere", await _database.ScalarAsync<string>("SELECT label FROM inputstream WHERE val = 29"));
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM inputstream WHERE label IS NULL"));
        Assert.Equal("\\N", await _database.ScalarAsync<string>("SELECT label FROM inputstream WHERE val = 32"));

        var wrongCount = await PostAsync(http, "/streams/tables/inputstream/rows", "[[1]]");
        Assert.Equal(HttpStatusCode.BadRequest, wrongCount.Status);
        Assert.Equal("row 1 has 1 values; inputstream has 2 columns (val, label)", wrongCount.Body.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(http, "/streams/tables/nosuch/rows", "[[1]]")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(http, "/streams/tables/x%3Bdrop/rows", "[[1]]")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(http, "/streams/tables/inputstream/rows", "{\"val\": 1}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(http, "/streams/tables/inputstream/rows", "[[\"not a number\", \"x\"]]")).Status);
        Assert.Equal(4L, await _database.ScalarAsync<long>("SELECT count(*) FROM inputstream"));
    }
}
