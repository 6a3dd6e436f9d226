using System.Collections.Concurrent;
using Mplane.Protocol.Messages;

namespace Mplane.Components.Runtime;

/// <summary>A running or finished specification: its receipt, its outcome when done, and the means to interrupt it.</summary>
public sealed class Job(Statement receipt, Task<Message> outcome, CancellationTokenSource interrupt)
{
    /// <summary>The receipt answered while the job runs.</summary>
    public Statement Receipt { get; } = receipt;

    /// <summary>The result or exception, when done.</summary>
    public Task<Message> Outcome { get; } = outcome;

    /// <summary>Asks the job to stop.</summary>
    public void Interrupt() => interrupt.Cancel();

    /// <summary>The current reply: the outcome if done, else the receipt.</summary>
    public Message Reply => Outcome.IsCompletedSuccessfully ? Outcome.Result : Receipt;
}

/// <summary>Jobs by specification token. A finished job is forgotten once its result is redeemed; a failed one stays.</summary>
public sealed class JobTable
{
    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);

    /// <summary>Starts <paramref name="run"/> for <paramref name="receipt"/>'s token, or returns the job already known under it.</summary>
    public Job Start(Statement receipt, Func<CancellationToken, Task<Message>> run, CancellationToken stopping) =>
        _jobs.GetOrAdd(receipt.Token!, _ =>
        {
            var interrupt = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            return new Job(receipt, Task.Run(() => run(interrupt.Token), CancellationToken.None), interrupt);
        });

    /// <summary>The job with <paramref name="token"/>, or null.</summary>
    public Job? Find(string token) => _jobs.GetValueOrDefault(token);

    /// <summary>The reply to a redemption; a redeemed result is forgotten.</summary>
    public Message? Redeem(string token)
    {
        if (!_jobs.TryGetValue(token, out var job))
        {
            return null;
        }

        var reply = job.Reply;
        if (reply is Statement { Kind: MessageKind.Result })
        {
            _jobs.TryRemove(token, out _);
        }

        return reply;
    }
}
