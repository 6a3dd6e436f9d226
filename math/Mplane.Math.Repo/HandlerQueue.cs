using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Mplane.Math.Transfer;
using Mplane.Warehouse.Import;
using Polly;

namespace Mplane.Math.Repo;

/// <summary>
/// Hands stored files to the handler one at a time, in the order they were stored, after their
/// acknowledgement. The ledger says which stored files were handled, so that at start every file
/// stored but not handled (a crash in between) is handled again; the warehouse import is itself
/// exactly once, so handling twice cannot duplicate rows. A file the warehouse refuses for its
/// content is moved to the spool's quarantine (<see cref="SpoolStore.Quarantine"/>) and recorded as
/// quarantined; moved back by an operator, it is handled again (<see cref="EnqueueReturnedAsync"/>).
/// </summary>
public sealed class HandlerQueue(SpoolStore store, IFileHandler handler, ILogger<HandlerQueue> logger)
{
    private readonly Channel<LedgerEntry> _queue = Channel.CreateUnbounded<LedgerEntry>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Held while a file moves to the quarantine and while returned files are looked for: neither sees the other half done.</summary>
    private readonly SemaphoreSlim _moving = new(1, 1);
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

    /// <summary>
    /// Queues again the quarantined files an operator moved back into the spool (to retry them after a
    /// fix): each is recorded as stored again first, so it is queued once. Returns how many.
    /// </summary>
    public async Task<int> EnqueueReturnedAsync(CancellationToken cancellationToken)
    {
        var returned = 0;
        await _moving.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var entry in store.Ledger.Entries.Where(e => e.State == "quarantined").OrderBy(e => e.At))
            {
                if (!File.Exists(store.FinalPath(entry.Stream, entry.Path)))
                {
                    continue;
                }

                var again = entry with { State = "stored", At = DateTimeOffset.UtcNow, Error = null };
                await store.Ledger.RecordAsync(again, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("{Stream}/{Path}: back from the quarantine; handled again", entry.Stream, entry.Path);
                Enqueue(again);
                returned++;
            }
        }
        finally
        {
            _moving.Release();
        }

        return returned;
    }

    /// <summary>Handles queued files until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        bool Retryable(Exception e) => IsTransient(e) && !cancellationToken.IsCancellationRequested;

        // What passes (the database away, a timeout, an I/O hiccup, a file still changing) is retried
        // with backoff, in order: later files wait rather than overtake it. A file the warehouse refuses
        // for its content (ImportException) is quarantined; anything else (a file gone, a schema
        // conflict) fails this file for good, and it stays in the spool. Either way the queue goes on.
        var retry = RetryPipelines.Backoff(
            Retryable,
            (error, delay) => logger.LogWarning("Handler failed ({Error}); retrying in {Delay}", error?.Message, delay));
        await foreach (var file in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await HandleAsync(file, retry, Retryable, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }

    private async Task HandleAsync(LedgerEntry file, ResiliencePipeline retry, Func<Exception, bool> retryable, CancellationToken cancellationToken)
    {
        var storedPath = store.FinalPath(file.Stream, file.Path);
        // StoredAt stays the storing time (a ledger from before it was recorded: the stored entry's own time).
        var handled = file with { StoredAt = file.StoredAt ?? file.At };
        try
        {
            var rows = await retry.ExecuteAsync(async ct => await handler.HandleAsync(file, storedPath, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            handled = handled with { State = "handled", At = DateTimeOffset.UtcNow, Rows = rows };
        }
        catch (ImportException e) when (!e.Retryable && File.Exists(storedPath))
        {
            if (await QuarantineAsync(handled, storedPath, e.Message).ConfigureAwait(false))
            {
                return;
            }

            handled = handled with { State = "failed", At = DateTimeOffset.UtcNow, Detail = e.Message };
        }
        catch (Exception e) when (!retryable(e) && e is not OperationCanceledException)
        {
            logger.LogError("{Stream}/{Path}: not handled: {Error}", file.Stream, file.Path, e.Message);
            handled = handled with { State = "failed", At = DateTimeOffset.UtcNow, Detail = e.Message };
        }

        try
        {
            await store.Ledger.RecordAsync(handled, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // Handled but not recorded: it is handled again after a restart, which the warehouse absorbs.
            logger.LogError("{Stream}/{Path}: handled, but the ledger cannot record it: {Error}", file.Stream, file.Path, e.Message);
        }
    }

    /// <summary>
    /// Moves a refused file to the quarantine with its error beside it. The error file and the ledger
    /// come first, the move last: a crash in between leaves a quarantined entry whose file is still in
    /// the spool, which <see cref="EnqueueReturnedAsync"/> hands over again (and it is refused again).
    /// Done whole even while stopping: the verdict on the content is already in. False when nothing
    /// could be recorded (the file is then recorded as failed, in the spool).
    /// </summary>
    private async Task<bool> QuarantineAsync(LedgerEntry file, string storedPath, string error)
    {
        await _moving.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        var recorded = false;
        try
        {
            var at = DateTimeOffset.UtcNow;
            var target = await store.Quarantine.WriteErrorAsync(storedPath, file.Stream, file.Path, error, at, CancellationToken.None).ConfigureAwait(false);
            await store.Ledger.RecordAsync(file with { State = "quarantined", At = at, Error = error }, CancellationToken.None).ConfigureAwait(false);
            recorded = true;
            Quarantine.Move(storedPath, target);
            logger.LogError("{Stream}/{Path}: not imported, quarantined in {Quarantined}: {Error}", file.Stream, file.Path, target, error);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError("{Stream}/{Path}: not imported ({Error}), and it cannot be quarantined: {Problem}", file.Stream, file.Path, error, e.Message);
        }
        finally
        {
            _moving.Release();
        }

        return recorded;
    }

    private static bool IsTransient(Exception e) => e switch
    {
        ImportException import => import.Retryable,
        Npgsql.NpgsqlException npgsql => npgsql.IsTransient,
        FileNotFoundException or DirectoryNotFoundException => false,
        IOException or TimeoutException => true,
        _ => false,
    };
}
