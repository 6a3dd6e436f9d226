using System.Collections.Concurrent;
using Mplane.Protocol.Messages;

namespace Mplane.Components.Runtime;

/// <summary>A running or finished specification: its receipt, its outcome when done, who asked, and the means to interrupt it.</summary>
public sealed class Job(Statement receipt, string owner, string service, Task<Message> outcome, CancellationTokenSource interrupt)
{
    /// <summary>The receipt answered while the job runs.</summary>
    public Statement Receipt { get; } = receipt;

    /// <summary>The identity that asked for it: only it may redeem or interrupt it.</summary>
    public string Owner { get; } = owner;

    /// <summary>The label of the capability it runs.</summary>
    public string Service { get; } = service;

    /// <summary>The result or exception, when done.</summary>
    public Task<Message> Outcome { get; } = outcome;

    /// <summary>The current reply: the outcome if done, else the receipt.</summary>
    public Message Reply => Outcome.IsCompletedSuccessfully ? Outcome.Result
        : Outcome.IsFaulted ? new ExceptionMessage(Receipt.Token, "Job failed") // a failure the run did not turn into a message must not look like "still running"
        : Receipt;

    /// <summary>Asks the job to stop.</summary>
    public void Interrupt() => interrupt.Cancel();

    internal void Forget() => Outcome.ContinueWith(_ => interrupt.Dispose(), TaskScheduler.Default);
}

/// <summary>
/// Jobs by specification token. A token runs once: asking again returns the same job (the reference's
/// rule), and a token already used by another identity or for another capability is refused. A finished
/// job is forgotten once its result is redeemed; the table holds at most <see cref="Capacity"/> jobs.
/// </summary>
public sealed class JobTable
{
    /// <summary>The most jobs kept at once.</summary>
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, Lazy<Job>> _jobs = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts <paramref name="run"/> for <paramref name="receipt"/>'s token, or returns the job already
    /// known under it; null when the token belongs to another identity or capability, or the table is full.
    /// </summary>
    public Job? Start(Statement receipt, string owner, Func<CancellationToken, Task<Message>> run, CancellationToken stopping)
    {
        if (_jobs.Count >= Capacity && !_jobs.ContainsKey(receipt.Token!))
        {
            return null;
        }

        // Lazy: GetOrAdd may run its factory twice under contention; only the winner's job ever starts.
        var job = _jobs.GetOrAdd(receipt.Token!, _ => new Lazy<Job>(() =>
        {
            var interrupt = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            return new Job(receipt, owner, receipt.Label ?? string.Empty, Task.Run(() => run(interrupt.Token), CancellationToken.None), interrupt);
        })).Value;
        return job.Owner == owner && job.Receipt.Label == receipt.Label ? job : null;
    }

    /// <summary>The job with <paramref name="token"/> if <paramref name="owner"/> asked for it, or null.</summary>
    public Job? Find(string token, string owner) =>
        _jobs.TryGetValue(token, out var job) && job.Value.Owner == owner ? job.Value : null;

    /// <summary>The reply to <paramref name="owner"/>'s redemption, or null; a redeemed result is forgotten.</summary>
    public Message? Redeem(string token, string owner)
    {
        if (Find(token, owner) is not { } job)
        {
            return null;
        }

        var reply = job.Reply;
        if (reply is Statement { Kind: MessageKind.Result } or Envelope && _jobs.TryRemove(token, out _))
        {
            job.Forget();
        }

        return reply;
    }
}
