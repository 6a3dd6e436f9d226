namespace Mplane.Testing;

/// <summary>
/// A cancellation token that fires after a generous bound, so that a hung server or peer fails the
/// test that waits for it with a cancellation rather than hanging the whole run.
/// </summary>
public static class TestTimeout
{
    /// <summary>The bound of one test step.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    /// <summary>A token that is cancelled <see cref="Bound"/> from now.</summary>
    public static CancellationToken Token => new CancellationTokenSource(Bound).Token;
}
