using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Math.Repo;
using Mplane.Math.Transfer;
using Mplane.Testing;
using Mplane.Warehouse.Import;

namespace Mplane.Math.Tests;

/// <summary>The spool's quarantine: files the warehouse refuses for their content, out of the way, and back when moved back.</summary>
public sealed class QuarantineTests : IAsyncLifetime
{
    private const string Bad = "2015/02-Feb/2015_02_27_22_30.out/log_tcp_complete";
    private const string Changing = "2015/02-Feb/2015_02_27_22_35.out/log_tcp_complete";

    private readonly TemporaryDirectory _directory = new("quarantine");
    private readonly ScriptedHandler _handler = new();
    private TransferLedger _ledger = null!;
    private SpoolStore _store = null!;
    private HandlerQueue _queue = null!;

    [Fact]
    public async Task A_file_refused_for_its_content_is_moved_with_its_error_beside_it_and_handled_again_once_moved_back()
    {
        await StartAsync();
        var stored = await StoreAsync(Bad, "no header");
        await HandleAllAsync();

        var entry = _ledger.Find("s", Bad)!;
        Assert.Equal("quarantined", entry.State);
        Assert.Equal("log_tcp_complete_v15", entry.Detail); // the type stays, for when it is handled again
        Assert.Contains($"{stored}:1: cannot recognise the format", entry.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(stored));
        var quarantined = Path.Combine(_directory.Path, ".quarantine", "s", Bad);
        Assert.Equal("no header", await File.ReadAllTextAsync(quarantined, TestTimeout.Token));
        var error = await File.ReadAllTextAsync(quarantined + Quarantine.ErrorSuffix, TestTimeout.Token);
        Assert.Contains($"file: {stored}\n", error, StringComparison.Ordinal);
        Assert.Contains($"error: {stored}:1: cannot recognise the format", error, StringComparison.Ordinal);
        Assert.Matches(@"quarantined: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", error);
        var report = new Collection(new string('a', 32), DateTimeOffset.UnixEpoch, null, "r", "o", DateTimeOffset.UnixEpoch, null).Report(_ledger.Entries, DateTimeOffset.UtcNow);
        Assert.Equal((1, 1), (report.Streams.Single().Files, report.Streams.Single().Failed));

        // Nothing to retry while it stays in the quarantine; moved back (after a fix), it is handled again.
        Assert.Equal(0, await _queue.EnqueueReturnedAsync(TestTimeout.Token));
        _handler.Fixed = true;
        File.Move(quarantined, stored);
        Assert.Equal(1, await _queue.EnqueueReturnedAsync(TestTimeout.Token));
        Assert.Equal(0, await _queue.EnqueueReturnedAsync(TestTimeout.Token)); // queued once
        await HandleAllAsync();
        Assert.Equal(("handled", 7L), (_ledger.Find("s", Bad)!.State, _ledger.Find("s", Bad)!.Rows));
        Assert.Null(_ledger.Find("s", Bad)!.Error);
        Assert.Equal(2, _handler.Calls[Bad]);
    }

    [Fact]
    public async Task A_file_that_changed_while_it_was_read_is_retried_not_quarantined()
    {
        await StartAsync();
        var stored = await StoreAsync(Changing, "#c_ip:1\n10.0.0.1\n");
        await HandleAllAsync();

        Assert.Equal("handled", _ledger.Find("s", Changing)!.State);
        Assert.Equal(2, _handler.Calls[Changing]);
        Assert.True(File.Exists(stored));
        Assert.False(Directory.Exists(Path.Combine(_directory.Path, ".quarantine")));
    }

    [Fact]
    public async Task A_quarantined_file_stays_quarantined_across_a_restart()
    {
        await StartAsync();
        await StoreAsync(Bad, "garbage");
        await HandleAllAsync();
        await _ledger.DisposeAsync();

        await StartAsync();
        _queue.EnqueueUnhandled();
        Assert.Equal(0, _queue.Pending);
        Assert.Equal(0, await _queue.EnqueueReturnedAsync(TestTimeout.Token));
        Assert.Equal("quarantined", _ledger.Find("s", Bad)!.State);
    }

    [Theory]
    [InlineData("..", "x")]
    [InlineData("s", "../../x")]
    [InlineData("a/b", "x")]
    public void A_stream_or_path_that_would_leave_the_quarantine_is_refused(string stream, string path)
    {
        var quarantine = new Quarantine(_directory.Combine("q"));
        Assert.Throws<ArgumentException>(() => quarantine.PathOf(stream, path));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_ledger is not null)
        {
            await _ledger.DisposeAsync();
        }

        _directory.Dispose();
    }

    private async Task StartAsync()
    {
        _ledger = await TransferLedger.OpenAsync(_directory.Combine("ledger.jsonl"), TestTimeout.Token);
        _store = new SpoolStore(_directory.Path, 1 << 20, _ledger);
        _queue = new HandlerQueue(_store, _handler, NullLogger<HandlerQueue>.Instance);
    }

    private async Task<string> StoreAsync(string path, string content)
    {
        var stored = _store.FinalPath("s", path);
        Directory.CreateDirectory(Path.GetDirectoryName(stored)!);
        await File.WriteAllTextAsync(stored, content, TestTimeout.Token);
        var entry = new LedgerEntry("s", path, content.Length, new string('a', 64), "stored", DateTimeOffset.UtcNow, "log_tcp_complete_v15", StoredAt: DateTimeOffset.UtcNow);
        await _ledger.RecordAsync(entry, TestTimeout.Token);
        _queue.Enqueue(entry);
        return stored;
    }

    /// <summary>Runs the queue until it has nothing left, then stops it.</summary>
    private async Task HandleAllAsync()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestTimeout.Token);
        var running = _queue.RunAsync(stop.Token);
        while (_queue.Pending > 0)
        {
            await Task.Delay(20, TestTimeout.Token);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    /// <summary>Refuses <see cref="Bad"/> for its content until fixed; says <see cref="Changing"/> changed while read, once.</summary>
    private sealed class ScriptedHandler : IFileHandler
    {
        public Dictionary<string, int> Calls { get; } = [];

        public bool Fixed { get; set; }

        public Task<long?> HandleAsync(LedgerEntry file, string storedPath, CancellationToken cancellationToken)
        {
            Calls[file.Path] = Calls.GetValueOrDefault(file.Path) + 1;
            return file.Path switch
            {
                Bad when !Fixed => throw new ImportException($"{storedPath}:1: cannot recognise the format"),
                Changing when Calls[file.Path] == 1 => throw new ImportException($"{storedPath}: the file changed while it was read") { Retryable = true },
                _ => Task.FromResult<long?>(7),
            };
        }
    }
}
