using System.Net.Security;
using Mplane.Security;
using Mplane.Testing;

namespace Mplane.Reliability.Tests.Security;

/// <summary>HTTP clients for the site's servers: trusting only the site's CA, presenting a client certificate or none.</summary>
internal static class PkiHttp
{
    /// <summary>The TLS options of a client trusting <paramref name="pki"/>'s CA for the server, presenting <paramref name="client"/> (or no certificate).</summary>
    public static SslClientAuthenticationOptions Tls(TestPki pki, (string Cert, string Key)? client) =>
        MutualTls.ClientOptions(client is { } c ? CertificateFiles.LoadWithKey(c.Cert, c.Key) : null, new PrivateCa(CertificateFiles.LoadBundle(pki.CaFile)), "127.0.0.1");

    /// <summary>An HTTP client with <see cref="Tls"/>'s options, one connection per request (a refused handshake spoils nothing).</summary>
    public static HttpClient Create(TestPki pki, (string Cert, string Key)? client) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.Zero, SslOptions = Tls(pki, client) })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
}
