using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Mplane.Security;

/// <summary>
/// The client side of mutual TLS as every mPlane peer of this project speaks it: present our
/// certificate, accept a server only if its certificate names the host we asked for and chains to the
/// private CA (never the system's roots).
/// </summary>
public static class MutualTls
{
    /// <summary>Client options presenting <paramref name="certificate"/> (none when null) and trusting <paramref name="ca"/> only.</summary>
    public static SslClientAuthenticationOptions ClientOptions(X509Certificate2? certificate, PrivateCa ca, string? targetHost = null) => new()
    {
        TargetHost = targetHost,
        ClientCertificates = certificate is null ? null : [certificate],
        RemoteCertificateValidationCallback = (_, peer, chain, errors) =>
            peer is X509Certificate2 server &&
            (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) == 0 &&
            ca.Trusts(server, chain),
    };
}
