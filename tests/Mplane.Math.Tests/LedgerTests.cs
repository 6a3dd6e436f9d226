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
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestTimeout.Token);
        var running = queue.RunAsync(stop.Token);
        for (var i = 0; i < 100 && queue.Pending + (ledger.Entries.All(e => e.State != "stored") ? 0 : 1) > 0; i++)
        {
            await Task.Delay(100, TestTimeout.Token);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal("handled", ledger.Find("s", "2015_02_27_22_30.out/first")!.State);
        Assert.Equal(3, handler.Calls["2015_02_27_22_30.out/first"]); // two failures (the database away), then done
        Assert.Equal("failed", ledger.Find("s", "2015_02_27_22_35.out/bad")!.State);
        Assert.Equal(1, handler.Calls["2015_02_27_22_35.out/bad"]);
    }

    private sealed class FlakyHandler : IFileHandler
    {
        public Dictionary<string, int> Calls { get; } = [];

        public Task HandleAsync(LedgerEntry file, string storedPath, CancellationToken cancellationToken)
        {
            Calls[file.Path] = Calls.GetValueOrDefault(file.Path) + 1;
            return file.Path.EndsWith("bad", StringComparison.Ordinal)
                ? throw new Warehouse.Import.ImportException($"{storedPath}: not a log")
                : Calls[file.Path] < 3 ? throw new IOException("database away") : Task.CompletedTask;
        }
    }
}
