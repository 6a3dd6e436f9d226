namespace Mplane.Security;

/// <summary>
/// mPlane's <c>[Roles]</c> and <c>[Authorizations]</c>: identities have roles; an authorization key
/// applies to a label (a capability's, or a MATH stream's name) when it is a substring of it, the
/// last applying key in file order wins, and access is granted when the identity's roles meet that
/// key's roles. Everything else is denied: unknown identities, labels no key matches.
/// </summary>
public sealed class AccessPolicy
{
    private readonly IReadOnlyDictionary<string, IReadOnlySet<string>> _roles;
    private readonly IReadOnlyList<(string Key, IReadOnlySet<string> Roles)> _authorizations;

    /// <param name="roles">Identity to roles (identities compared exactly).</param>
    /// <param name="authorizations">Label substring to roles, in file order.</param>
    public AccessPolicy(IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> roles, IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> authorizations)
    {
        _roles = roles.ToDictionary(r => r.Key, r => (IReadOnlySet<string>)r.Value.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        _authorizations = authorizations.Select(a => (a.Key, (IReadOnlySet<string>)a.Value.ToHashSet(StringComparer.Ordinal))).ToList();
    }

    /// <summary>Parses a comma-separated role list as the reference does: split on commas, nothing trimmed.</summary>
    public static IReadOnlyList<string> SplitRoles(string value) => value.Split(',');

    /// <summary>The roles of <paramref name="identity"/> (none when it is not listed).</summary>
    public IReadOnlySet<string> RolesOf(string identity) =>
        _roles.TryGetValue(identity, out var roles) ? roles : new HashSet<string>();

    /// <summary>Whether <paramref name="identity"/> may use <paramref name="label"/>.</summary>
    public bool IsAllowed(string identity, string label)
    {
        IReadOnlySet<string>? applying = null;
        foreach (var (key, roles) in _authorizations)
        {
            if (label.Contains(key, StringComparison.Ordinal))
            {
                applying = roles; // the last applying key wins
            }
        }

        return applying is not null && RolesOf(identity).Overlaps(applying);
    }
}
