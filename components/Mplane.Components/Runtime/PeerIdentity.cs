using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mplane.Security;

namespace Mplane.Components.Runtime;

/// <summary>
/// The identity of a TLS peer, read as the reference does before it registers: a bare TLS handshake
/// (no HTTP), the peer's certificate checked against the private CA, its subject in mPlane's dotted form.
/// </summary>
public static class PeerIdentity
{
    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/>, completes a handshake presenting <paramref name="certificate"/>, and returns the peer's identity.</summary>
    /// <exception cref="AuthenticationException">The peer's certificate does not chain to <paramref name="ca"/>.</exception>
    public static async Task<string> ReadAsync(string host, int port, X509Certificate2? certificate, PrivateCa ca, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(MutualTls.ClientOptions(certificate, ca, host), cancellationToken).ConfigureAwait(false);
        return MplaneIdentity.Of((X509Certificate2)tls.RemoteCertificate!);
    }
}
