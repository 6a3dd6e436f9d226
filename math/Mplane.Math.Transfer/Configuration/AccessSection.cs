using Mplane.Security;

namespace Mplane.Math.Transfer.Configuration;

/// <summary>
/// <c>roles</c> (identity: comma-separated roles) and <c>authorizations</c> (stream-name substring:
/// comma-separated roles, in order: the last applying key wins), as mPlane's <c>[Roles]</c> and
/// <c>[Authorizations]</c>. Mappings keep the file's order.
/// </summary>
public sealed class AccessSection
{
    /// <summary>Identity to roles.</summary>
    public OrderedDictionary<string, string> Roles { get; set; } = [];

    /// <summary>Stream-name substring to roles.</summary>
    public OrderedDictionary<string, string> Authorizations { get; set; } = [];

    /// <summary>The policy these sections describe.</summary>
    public AccessPolicy ToPolicy() => new(
        Roles.Select(r => KeyValuePair.Create(r.Key, AccessPolicy.SplitRoles(r.Value))),
        Authorizations.Select(a => KeyValuePair.Create(a.Key, AccessPolicy.SplitRoles(a.Value))));
}
