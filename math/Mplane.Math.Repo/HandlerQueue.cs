using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Mplane.Math.Transfer;
using Mplane.Warehouse.Import;

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

    /// <summary>Queues what was stored and never handled (a crash in between); call before anything new can be stored.</summary>
    public void EnqueueUnhandled()
    {
        foreach (var entry in store.Ledger.Entries.Where(e => e.State == "stored").OrderBy(e => e.At))
        {
            Enqueue(entry);
        }
    }

    /// <summary>Handles queued files until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        bool Retryable(Exception e) => IsTransient(e) && !cancellationToken.IsCancellationRequested;

        // What passes (the database away, a timeout, an I/O hiccup) is retried with backoff, in order:
        // later files wait rather than overtake it. Anything else (bad data, a file gone, a schema
        // conflict) fails this file for good and the queue goes on.
        var retry = RetryPipelines.Backoff(
            Retryable,
            (error, delay) => logger.LogWarning("Handler failed ({Error}); retrying in {Delay}", error?.Message, delay));
        await foreach (var file in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            string state = "handled", detail = string.Empty;
            long? rows = null;
            try
            {
                rows = await retry.ExecuteAsync(async ct => await handler.HandleAsync(file, store.FinalPath(file.Stream, file.Path), ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!Retryable(e) && e is not OperationCanceledException)
            {
                logger.LogError("{Stream}/{Path}: not handled: {Error}", file.Stream, file.Path, e.Message);
                (state, detail) = ("failed", e.Message);
            }

            try
            {
                // StoredAt stays the storing time (a ledger from before it was recorded: the stored entry's own time).
                var handled = file with { State = state, At = DateTimeOffset.UtcNow, Detail = state == "failed" ? detail : file.Detail, StoredAt = file.StoredAt ?? file.At, Rows = rows };
                await store.Ledger.RecordAsync(handled, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                // Handled but not recorded: it is handled again after a restart, which the warehouse absorbs.
                logger.LogError("{Stream}/{Path}: handled, but the ledger cannot record it: {Error}", file.Stream, file.Path, e.Message);
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }

    private static bool IsTransient(Exception e) => e switch
    {
        ImportException => false,
        Npgsql.NpgsqlException npgsql => npgsql.IsTransient,
        FileNotFoundException or DirectoryNotFoundException => false,
        IOException or TimeoutException => true,
        _ => false,
    };
}
