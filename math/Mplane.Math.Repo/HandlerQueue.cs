using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Mplane.Math.Transfer;

namespace Mplane.Math.Repo;

/// <summary>
/// Hands stored files to the handler one at a time, in the order they were stored, after their
/// acknowledgement. The ledger says which stored files were handled, so that at start every file
/// stored but not handled (a crash in between) is handled again; the warehouse import is itself
/// exactly once, so handling twice cannot duplicate rows.
/// </summary>
public sealed class HandlerQueue(SpoolStore store, IFileHandler handler, ILogger<HandlerQueue> logger)
{
    private readonly Channel<LedgerEntry> _queue = Channel.CreateUnbounded<LedgerEntry>(new UnboundedChannelOptions { SingleReader = true });
    private int _pending;

    /// <summary>Files waiting for the handler.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Queues a stored file.</summary>
    public void Enqueue(LedgerEntry stored)
    {
        Interlocked.Increment(ref _pending);
        _queue.Writer.TryWrite(stored);
    }

    /// <summary>Queues what was stored and never handled, then handles files until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var entry in store.Ledger.Entries.Where(e => e.State == "stored").OrderBy(e => e.At))
        {
            Enqueue(entry);
        }

        await foreach (var file in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await handler.HandleAsync(file, store.FinalPath(file.Stream, file.Path), cancellationToken).ConfigureAwait(false);
                await store.Ledger.RecordAsync(file with { State = "handled", At = DateTimeOffset.UtcNow, Detail = null }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogError("{Stream}/{Path}: not handled: {Error}", file.Stream, file.Path, e.Message);
                await store.Ledger.RecordAsync(file with { State = "failed", At = DateTimeOffset.UtcNow, Detail = e.Message }, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }
}
