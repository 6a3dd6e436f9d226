using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Protocol.Tokens;

namespace Mplane.RepositoryProxy;

/// <summary>
/// How the repository's capabilities are written: verb <c>measure</c>, this project's repository
/// registry, the original proxy's metadata (<c>System_type = repository</c>, <c>System_ID</c>,
/// <c>System_version</c>), and a token computed as the reference computes capability tokens, so it
/// stays the same across restarts for the same configuration.
/// </summary>
public static class RepositoryCapabilities
{
    /// <summary>A capability of the repository.</summary>
    /// <param name="label">Its label.</param>
    /// <param name="when">Its temporal scope.</param>
    /// <param name="parameters">Parameter names and constraints.</param>
    /// <param name="results">Result columns, in order.</param>
    /// <param name="metadata">The proxy's metadata (see <see cref="Metadata"/>).</param>
    public static Statement Build(string label, string when, IReadOnlyDictionary<string, string> parameters, IReadOnlyList<string> results, IReadOnlyDictionary<string, string> metadata)
    {
        var capability = new Statement(MessageKind.Capability, "measure")
        {
            Registry = RegistryCatalog.RepositoryUri,
            When = when,
            Label = label,
            Parameters = parameters,
            Metadata = metadata,
            Results = results,
        };
        return capability with
        {
            Token = StatementHashes.Mpcv(capability.Registry, capability.Verb, when, parameters.ToDictionary(p => p.Key, p => (p.Value, "*")), metadata, results),
        };
    }

    /// <summary>The original repository proxy's metadata, with its <c>System_ID</c> configurable.</summary>
    public static IReadOnlyDictionary<string, string> Metadata(string systemId, string version) => new Dictionary<string, string>
    {
        ["System_ID"] = systemId, ["System_type"] = "repository", ["System_version"] = version,
    };
}
