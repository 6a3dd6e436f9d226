using System.Text.RegularExpressions;
using Mplane.Protocol.Messages;

namespace Mplane.Components.Runtime;

/// <summary>
/// The reference's <c>callback</c> pseudo-capability: a component registers it (verb <c>measure</c>,
/// no token, no parameters, no results) so that a supervisor may tell it when to poll next, by a
/// specification labelled <c>callback</c> (or <c>callback-&lt;n&gt;</c>, as supervisors number labels).
/// It is never a real capability: never offered to clients, never run.
/// </summary>
public static partial class Callback
{
    /// <summary>The pseudo-capability's label.</summary>
    public const string Label = "callback";

    /// <summary>The pseudo-capability a component registers, in <paramref name="registry"/>.</summary>
    public static Statement Capability(string registry) =>
        new(MessageKind.Capability, "measure") { Registry = registry, When = "now ... future", Label = Label };

    /// <summary>Whether <paramref name="statement"/> is the pseudo-capability or a callback specification (a real capability labelled <c>callback-x</c> is not).</summary>
    public static bool Is(Statement statement) =>
        statement.Parameters.Count == 0 && statement.Results.Count == 0 && statement.Label is { } label && (label == Label || Numbered().IsMatch(label));

    [GeneratedRegex(@"^callback-[0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex Numbered();
}
