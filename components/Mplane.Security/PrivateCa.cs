using System.Security.Cryptography.X509Certificates;

namespace Mplane.Security;

/// <summary>
/// Validates peer certificates against a private CA bundle only (the system's roots play no part):
/// mPlane deployments run their own PKI.
/// </summary>
public sealed class PrivateCa(X509Certificate2Collection roots)
{
    /// <summary>The CA certificates trusted.</summary>
    public X509Certificate2Collection Roots { get; } = roots;

    /// <summary>Whether <paramref name="certificate"/> chains to one of <see cref="Roots"/> and is valid now.</summary>
    public bool Trusts(X509Certificate2 certificate, X509Chain? presented = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate);
    }
}
