using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Math.Repo;
using Mplane.Math.Transfer;
using Mplane.Testing;

namespace Mplane.Math.Tests;

public sealed class LedgerTests
{
    private static LedgerEntry Entry(string path, string state = "stored") => new("s", path, 1, new string('a', 64), state, DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task A_torn_last_line_is_cut_off_and_a_damaged_line_in_the_middle_costs_only_itself()
    {
        using var directory = new TemporaryDirectory("ledger");
        var path = directory.Combine("ledger.jsonl");
        await using (var ledger = await TransferLedger.OpenAsync(path, TestTimeout.Token))
        {
            await ledger.RecordAsync(Entry("a"), TestTimeout.Token);
        }

        await File.AppendAllTextAsync(path, "{\"Stream\":\"s\",\"Pa\n", TestTimeout.Token); // a failed write, then good ones
        await using (var ledger = await TransferLedger.OpenAsync(path, TestTimeout.Token))
        {
            await ledger.RecordAsync(Entry("b"), TestTimeout.Token);
        }

        await File.AppendAllTextAsync(path, "{\"Stream\":\"s\",\"Path\":\"c", TestTimeout.Token); // a crash mid-append
        await using (var ledger = await TransferLedger.OpenAsync(path, TestTimeout.Token))
        {
            Assert.Equal(["a", "b"], ledger.Entries.Select(e => e.Path).Order());
            Assert.Single(ledger.Damaged);
            await ledger.RecordAsync(Entry("c"), TestTimeout.Token);
        }

        await using var reopened = await TransferLedger.OpenAsync(path, TestTimeout.Token);
        Assert.Equal(["a", "b", "c"], reopened.Entries.Select(e => e.Path).Order());
    }

    [Fact]
    public async Task A_transient_handler_failure_is_retried_in_order_and_bad_data_fails_for_good()
    {
        using var directory = new TemporaryDirectory("handler");
        await using var ledger = await TransferLedger.OpenAsync(directory.Combine("ledger.jsonl"), TestTimeout.Token);
        var store = new SpoolStore(directory.Path, 1 << 20, ledger);
        var handler = new FlakyHandler();
        var queue = new HandlerQueue(store, handler, NullLogger<HandlerQueue>.Instance);
        await ledger.RecordAsync(Entry("2015_02_27_22_30.out/first"), TestTimeout.Token);
        await ledger.RecordAsync(Entry("2015_02_27_22_35.out/bad") with { At = DateTimeOffset.UnixEpoch.AddSeconds(1) }, TestTimeout.Token);
        await ledger.RecordAsync(Entry("2015_02_27_22_40.out/gone") with { At = DateTimeOffset.UnixEpoch.AddSeconds(2) }, TestTimeout.Token);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestTimeout.Token);
        queue.EnqueueUnhandled();
        var running = queue.RunAsync(stop.Token);
        for (var i = 0; i < 100 && queue.Pending + (ledger.Entries.All(e => e.State != "stored") ? 0 : 1) > 0; i++)
        {
            await Task.Delay(100, TestTimeout.Token);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal("handled", ledger.Find("s", "2015_02_27_22_30.out/first")!.State);
        Assert.Equal(3, handler.Calls["2015_02_27_22_30.out/first"]); // two failures (the database away), then done
        Assert.Equal(42L, ledger.Find("s", "2015_02_27_22_30.out/first")!.Rows);
        Assert.Equal(DateTimeOffset.UnixEpoch, ledger.Find("s", "2015_02_27_22_30.out/first")!.StoredAt); // the stored entry's time, kept
        Assert.Null(ledger.Find("s", "2015_02_27_22_35.out/bad")!.Rows);
        Assert.Equal("failed", ledger.Find("s", "2015_02_27_22_35.out/bad")!.State);
        Assert.Equal(1, handler.Calls["2015_02_27_22_35.out/bad"]);
        Assert.Equal("failed", ledger.Find("s", "2015_02_27_22_40.out/gone")!.State); // not transient: not retried, the queue goes on
        Assert.Equal(1, handler.Calls["2015_02_27_22_40.out/gone"]);
    }

    [Fact]
    public async Task Lines_written_before_storing_times_peers_and_rows_were_recorded_still_load_and_new_lines_omit_what_is_unknown()
    {
        using var directory = new TemporaryDirectory("ledger");
        var path = directory.Combine("ledger.jsonl");
        await File.WriteAllTextAsync(path, """
            {"Stream":"s","Path":"a.out/x","Size":10,"Sha256":"aa","State":"handled","At":"2015-02-27T22:00:05+00:00","Detail":"log_tcp_complete_v15"}
            {"Stream":"s","Path":"b.out/x","Size":20,"Sha256":"bb","State":"stored","At":"2015-02-27T22:01:00+00:00","Detail":"log_tcp_complete_v15"}

            """, TestTimeout.Token);
        await using (var ledger = await TransferLedger.OpenAsync(path, TestTimeout.Token))
        {
            Assert.Empty(ledger.Damaged);
            var old = ledger.Find("s", "a.out/x")!;
            Assert.Equal((10L, "handled", new DateTimeOffset(2015, 2, 27, 22, 0, 5, TimeSpan.Zero)), (old.Size, old.State, old.At));
            Assert.Equal((null, null, null), (old.StoredAt, old.Peer, old.Rows));
            await ledger.RecordAsync(Entry("c.out/x"), TestTimeout.Token); // a probe's kind of entry
            await ledger.RecordAsync(Entry("d.out/x") with { StoredAt = DateTimeOffset.UnixEpoch, Peer = "p", Rows = 0 }, TestTimeout.Token);
        }

        var lines = await File.ReadAllLinesAsync(path, TestTimeout.Token);
        Assert.DoesNotContain("StoredAt", lines[^2], StringComparison.Ordinal);
        Assert.DoesNotContain("Peer", lines[^2], StringComparison.Ordinal);
        Assert.DoesNotContain("Rows", lines[^2], StringComparison.Ordinal);
        await using var reopened = await TransferLedger.OpenAsync(path, TestTimeout.Token);
        Assert.Equal((DateTimeOffset.UnixEpoch, "p", 0L), (reopened.Find("s", "d.out/x")!.StoredAt, reopened.Find("s", "d.out/x")!.Peer, reopened.Find("s", "d.out/x")!.Rows));
        Assert.Equal(4, reopened.Entries.Count);
    }

    private sealed class FlakyHandler : IFileHandler
    {
        public Dictionary<string, int> Calls { get; } = [];

        public Task<long?> HandleAsync(LedgerEntry file, string storedPath, CancellationToken cancellationToken)
        {
            Calls[file.Path] = Calls.GetValueOrDefault(file.Path) + 1;
            return file.Path.EndsWith("bad", StringComparison.Ordinal) ? throw new Warehouse.Import.ImportException($"{storedPath}: not a log")
                : file.Path.EndsWith("gone", StringComparison.Ordinal) ? throw new FileNotFoundException("deleted by hand", storedPath)
                : Calls[file.Path] < 3 ? throw new IOException("database away") : Task.FromResult<long?>(42);
        }
    }

    [Fact]
    public async Task A_stale_longer_upload_under_a_name_is_discarded_and_the_new_one_starts_at_zero()
    {
        using var directory = new TemporaryDirectory("stale");
        await using var ledger = await TransferLedger.OpenAsync(directory.Combine("ledger.jsonl"), TestTimeout.Token);
        var store = new SpoolStore(directory.Path, 1 << 20, ledger);
        var old = new byte[100];
        var (outcome, held, _) = await store.AppendAsync("s", "a.out/x", "t", "org.mplane.SSB.Probes.Probe-1", 0, 200, new string('a', 64), System.IO.Pipelines.PipeReader.Create(new MemoryStream(old)), TestTimeout.Token);
        Assert.Equal((AppendOutcome.Partial, 100L), (outcome, held));

        var now = new byte[50];
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(now));
        var refused = await Assert.ThrowsAsync<UploadRefusedException>(() => store.AppendAsync("s", "a.out/x", "t", "org.mplane.SSB.Probes.Probe-1", 100, 50, sha, System.IO.Pipelines.PipeReader.Create(new MemoryStream(now)), TestTimeout.Token));
        Assert.Equal((409, 0L), (refused.Status, refused.Offset!.Value));
        var stored = await store.AppendAsync("s", "a.out/x", "t", "org.mplane.SSB.Probes.Probe-1", 0, 50, sha, System.IO.Pipelines.PipeReader.Create(new MemoryStream(now)), TestTimeout.Token);
        Assert.Equal(AppendOutcome.Stored, stored.Outcome);
        Assert.Equal(50, new FileInfo(store.FinalPath("s", "a.out/x")).Length);
    }
}
