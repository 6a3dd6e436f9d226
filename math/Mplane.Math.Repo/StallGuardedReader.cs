using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Mplane.Math.Repo;

/// <summary>
/// An upload's body that must keep coming: a read that waits longer than <c>timeout</c> for the
/// peer's next bytes fails with 408. Kestrel's own limit (<c>MinRequestBodyDataRate</c>) is an
/// average over the whole body, so a peer that sent some megabytes and then went silent (a cut that
/// left the connection half open) would hold the upload, and with it the file (every resume refused
/// 409), for hours.
/// </summary>
internal sealed class StallGuardedReader(PipeReader inner, TimeSpan timeout) : PipeReader
{
    /// <summary>Whether a read timed out.</summary>
    public bool Stalled { get; private set; }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(timeout);
        try
        {
            return await inner.ReadAsync(stall.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Stalled = true;
            throw new BadHttpRequestException($"no byte of the body came for {timeout.TotalSeconds:0} s", StatusCodes.Status408RequestTimeout);
        }
    }

    public override bool TryRead(out ReadResult result) => inner.TryRead(out result);

    public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
}
