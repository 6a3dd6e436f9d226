using Mplane.Protocol.Messages;
using Mplane.Protocol.Temporal;

namespace Mplane.Components.Runtime;

/// <summary>
/// Runs a specification as the reference's scheduler does: a single scope once; a repeated scope
/// (<see cref="RepeatedWhen"/>) as one sub-specification per occurrence, each with the occurrence's
/// absolute scope and a fresh token, answered by one Envelope of their outcomes that carries the
/// specification's token, label and scope. An interrupt ends the repetition with the outcomes so far;
/// an occurrence missed while the previous one ran is skipped rather than run late.
/// </summary>
public static class RepeatedRuns
{
    /// <summary>The most outcomes an Envelope ever keeps, whatever the configuration says: an endless repetition must not fill the memory.</summary>
    public const int MaxKept = 1000;

    /// <summary>How late an occurrence may start before it counts as missed.</summary>
    private static readonly TimeSpan Lateness = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="specification"/> through <paramref name="runOne"/>, once or per occurrence.</summary>
    /// <param name="specification">The checked specification, with its token.</param>
    /// <param name="runOne">Runs one (sub-)specification and maps its failures to an exception message.</param>
    /// <param name="maxResults">The outcomes an Envelope keeps, the last ones (the reference's <c>scheduler_max_results</c>; 0 keeps all, up to <see cref="MaxKept"/>).</param>
    /// <param name="cancellationToken">The interrupt.</param>
    public static async Task<Message> RunAsync(
        Statement specification, Func<Statement, CancellationToken, Task<Message>> runOne, int maxResults, CancellationToken cancellationToken)
    {
        if (!RepeatedWhen.IsRepeated(specification.When))
        {
            return await runOne(specification, cancellationToken).ConfigureAwait(false);
        }

        var repeated = RepeatedWhen.Parse(specification.When);
        var kept = maxResults is > 0 and < MaxKept ? maxResults : MaxKept;
        var outcomes = new Queue<Message>();
        try
        {
            foreach (var at in repeated.Occurrences(DateTimeOffset.UtcNow))
            {
                if (DateTimeOffset.UtcNow - at > Lateness)
                {
                    continue;
                }

                await Waits.UntilAsync(at, cancellationToken).ConfigureAwait(false);
                var one = specification with { When = repeated.OccurrenceWhen(at), Token = Guid.NewGuid().ToString("N") };
                outcomes.Enqueue(await runOne(one, cancellationToken).ConfigureAwait(false));
                if (outcomes.Count > kept)
                {
                    outcomes.Dequeue();
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Interrupted: the outcomes so far are the answer.
        }

        return new Envelope([.. outcomes]) { Token = specification.Token, Label = specification.Label, When = specification.When };
    }
}
