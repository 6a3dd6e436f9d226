using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Math.Repo;
using Mplane.Math.Transfer;
using Mplane.Testing;

namespace Mplane.Math.Tests;

public sealed class CollectionRegistryTests
{
    private static readonly DateTimeOffset T0 = new(2015, 2, 27, 22, 0, 0, TimeSpan.Zero);

    private static LedgerEntry Stored(string stream, string path, DateTimeOffset storedAt, string state = "handled", long size = 10, long? rows = null) =>
        new(stream, path, size, new string('a', 64), state, storedAt.AddSeconds(5), "log_tcp_complete_v15", StoredAt: storedAt, Peer: "org.mplane.SSB.Probes.Probe-1", Rows: rows);

    [Fact]
    public void A_report_counts_files_stored_in_start_inclusive_end_exclusive_per_stream()
    {
        var collection = new Collection(new string('0', 32), T0, T0.AddHours(1), "someone", "opener", T0, EndedAt: null);
        var entries = new[]
        {
            Stored("b", "before", T0.AddTicks(-1), rows: 100),
            Stored("b", "at-start", T0, rows: 7),
            Stored("b", "failed", T0.AddMinutes(1), state: "failed", size: 3),
            Stored("b", "pending", T0.AddMinutes(2), state: "stored", size: 4),
            Stored("a", "other-stream", T0.AddMinutes(3), rows: 2),
            Stored("b", "at-end", T0.AddHours(1), rows: 1000),
            Stored("b", "refused", T0.AddMinutes(4), state: "refused", size: 0),
            new LedgerEntry("b", "old-line", 5, new string('a', 64), "handled", T0.AddMinutes(5)), // written before StoredAt: counted by At
        };

        var report = collection.Report(entries, now: T0.AddMinutes(30));
        Assert.False(report.Ended);
        Assert.Equal(1, report.Pending);
        Assert.Equal(
            [new CollectedStream("a", 1, 0, 10, 2), new CollectedStream("b", 4, 1, 10 + 3 + 4 + 5, 7)],
            report.Streams);
        Assert.True(collection.Report(entries, now: T0.AddHours(1)).Ended);

        // Ended early: files stored from then on no longer count.
        var ended = collection with { EndedAt = T0.AddMinutes(2) };
        Assert.Equal([new CollectedStream("b", 2, 1, 10 + 3, 7)], ended.Report(entries, now: T0.AddMinutes(30)).Streams);
        Assert.True(ended.Report(entries, now: T0.AddMinutes(2)).Ended);
        Assert.Equal(T0.AddMinutes(2), ended.Until());
        Assert.Equal(T0.AddHours(1), (ended with { EndedAt = T0.AddHours(2) }).Until());
        Assert.Null((collection with { End = null }).Until());
    }

    [Fact]
    public async Task At_capacity_the_collection_that_ended_first_is_dropped_and_when_all_are_open_a_new_one_is_refused()
    {
        using var directory = new TemporaryDirectory("collections");
        await using var ledger = await TransferLedger.OpenAsync(directory.Combine("ledger.jsonl"), TestTimeout.Token);
        var clock = new ManualClock(T0);
        var file = directory.Combine("collections.json");
        var registry = await CollectionRegistry.LoadAsync(file, ledger, clock, NullLogger.Instance, TestTimeout.Token, capacity: 3);
        var a = await registry.OpenAsync(T0, T0.AddMinutes(10), "r", "o", TestTimeout.Token);
        var b = await registry.OpenAsync(T0, T0.AddMinutes(5), "r", "o", TestTimeout.Token);
        var c = await registry.OpenAsync(T0, null, "r", "o", TestTimeout.Token);
        Assert.All(new[] { a, b, c }, x => Assert.True(Collection.IsId(x.Id)));
        Assert.Equal(3, new[] { a.Id, b.Id, c.Id }.Distinct().Count());
        await Assert.ThrowsAsync<CollectionsFullException>(() => registry.OpenAsync(T0, null, "r", "o", TestTimeout.Token));

        clock.Now = T0.AddMinutes(7); // b is over, a and c are not
        var d = await registry.OpenAsync(T0, null, "r", "o", TestTimeout.Token);
        Assert.Null(registry.Find(b.Id));
        Assert.NotNull(registry.Find(a.Id));
        await Assert.ThrowsAsync<CollectionsFullException>(() => registry.OpenAsync(T0, null, "r", "o", TestTimeout.Token));

        clock.Now = T0.AddMinutes(8);
        var ended = await registry.EndAsync(c.Id, TestTimeout.Token);
        Assert.Equal(T0.AddMinutes(8), ended!.EndedAt);
        clock.Now = T0.AddMinutes(9);
        Assert.Equal(T0.AddMinutes(8), (await registry.EndAsync(c.Id, TestTimeout.Token))!.EndedAt); // ending twice changes nothing
        Assert.Null(await registry.EndAsync(new string('f', 32), TestTimeout.Token));

        // c ended (at 8 min) before a's end (10 min): a is kept although both are over by then.
        clock.Now = T0.AddMinutes(11);
        var e = await registry.OpenAsync(T0, null, "r", "o", TestTimeout.Token);
        Assert.Null(registry.Find(c.Id));
        Assert.NotNull(registry.Find(a.Id));

        var reloaded = await CollectionRegistry.LoadAsync(file, ledger, clock, NullLogger.Instance, TestTimeout.Token, capacity: 3);
        Assert.Equal(a, reloaded.Find(a.Id));
        Assert.Equal(d, reloaded.Find(d.Id));
        Assert.Equal(e, reloaded.Find(e.Id));
        Assert.Null(reloaded.Find(b.Id));
    }

    [Fact]
    public async Task A_damaged_collections_file_is_set_aside_and_math_repo_starts_with_none()
    {
        using var directory = new TemporaryDirectory("collections");
        await using var ledger = await TransferLedger.OpenAsync(directory.Combine("ledger.jsonl"), TestTimeout.Token);
        var file = directory.Combine("collections.json");
        await File.WriteAllTextAsync(file, """[{"Id":"../../etc/passwd","Start":"2015-02-27T22:00:00Z"}]""", TestTimeout.Token);
        var registry = await CollectionRegistry.LoadAsync(file, ledger, new ManualClock(T0), NullLogger.Instance, TestTimeout.Token);
        Assert.False(File.Exists(file));
        Assert.Single(Directory.EnumerateFiles(directory.Path, "collections.json.damaged-*"));
        Assert.False(registry.AnyOpenNow());
        Assert.NotNull(await registry.OpenAsync(T0, null, "r", "o", TestTimeout.Token));
        Assert.True(registry.AnyOpenNow());
    }

    [Theory]
    [InlineData("""{"start":"2015-02-27T22:00:00Z","requester":"r"}""", "2015-02-27T22:00:00Z", null)]
    [InlineData("""{"start":"2015-02-27T23:00:00+01:00","end":null,"requester":"r","more":1}""", "2015-02-27T22:00:00Z", null)]
    [InlineData("""{"start":"2015-02-27T22:00","end":"2015-02-27T22:00:00.5","requester":"r"}""", "2015-02-27T22:00:00Z", "2015-02-27T22:00:00.5Z")]
    public void Requests_take_ISO_8601_times_with_or_without_an_offset_as_UTC(string json, string start, string? end)
    {
        var request = CollectionRequestReader.Parse(json);
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), request.Start);
        Assert.Equal(TimeSpan.Zero, request.Start.Offset);
        Assert.Equal(end is null ? null : DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), request.End);
        Assert.Equal("r", request.Requester);
    }

    [Fact]
    public void A_request_as_the_contract_type_serialises_it_reads_back_the_same()
    {
        var sent = new CollectionRequest(new DateTimeOffset(2015, 2, 27, 23, 0, 0, 123, TimeSpan.FromHours(1)).AddTicks(4567), T0.AddHours(2), "org.mplane.SSB.Clients.Client-1");
        var read = CollectionRequestReader.Parse(Newtonsoft.Json.JsonConvert.SerializeObject(sent));
        Assert.Equal((sent.Start, sent.End, sent.Requester), (read.Start, read.End, read.Requester));
        Assert.Null(CollectionRequestReader.Parse(Newtonsoft.Json.JsonConvert.SerializeObject(sent with { End = null })).End);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
