using Mplane.Protocol.Messages;

namespace Mplane.Components.Runtime;

/// <summary>What a component can do: a capability, and the work behind it.</summary>
public interface IService
{
    /// <summary>The capability this service offers (with its label and token).</summary>
    Statement Capability { get; }

    /// <summary>Runs a checked specification; returns the result (kind <see cref="MessageKind.Result"/>).</summary>
    Task<Statement> RunAsync(Statement specification, CancellationToken cancellationToken);
}
