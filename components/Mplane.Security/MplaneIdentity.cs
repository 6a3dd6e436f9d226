using System.Security.Cryptography.X509Certificates;

namespace Mplane.Security;

/// <summary>
/// mPlane identities as the reference implementation derives them: the values of the certificate
/// subject's RDNs in encoding order, joined with dots (<c>DC=org, DC=mplane, O=SSB, OU=Clients,
/// CN=Client-1</c> is <c>org.mplane.SSB.Clients.Client-1</c>). .NET renders distinguished names in
/// reverse order, so the identity is built from the RDN sequence, never from the rendered string.
/// </summary>
public static class MplaneIdentity
{
    /// <summary>The identity of a peer without a certificate.</summary>
    public const string Unauthenticated = "Identity.Unauthenticated.Default";

    /// <summary>The identity of <paramref name="certificate"/>'s subject.</summary>
    public static string Of(X509Certificate2 certificate) => Of(certificate.SubjectName);

    /// <summary>The identity of a distinguished name: the first value of each RDN, in encoding order.</summary>
    public static string Of(X500DistinguishedName name) =>
        string.Join('.', name.EnumerateRelativeDistinguishedNames(reversed: false).Select(rdn => rdn.GetSingleElementValue() ?? string.Empty));
}
