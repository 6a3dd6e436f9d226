using Mplane.Protocol.Messages;

namespace Mplane.Components.Runtime;

/// <summary>What a component can do: a capability, and the work behind it.</summary>
public interface IService
{
    /// <summary>The capability this service offers (with its label and token).</summary>
    Statement Capability { get; }

    /// <summary>Runs a checked specification; returns the result (kind <see cref="MessageKind.Result"/>).</summary>
    Task<Statement> RunAsync(Statement specification, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a checked specification on behalf of <paramref name="requester"/> (the peer's mPlane identity:
    /// the client's in the client-initiated workflow, the supervisor's in the component-initiated one).
    /// Services that act for someone (opening a collection, say) override it; the others need not.
    /// </summary>
    Task<Statement> RunAsync(Statement specification, string requester, CancellationToken cancellationToken) => RunAsync(specification, cancellationToken);
}
