using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Mplane.Math.Probe;

/// <summary>
/// The probe's HTTP client: its client certificate (mutual TLS) and the repository's certificate
/// checked against the configured CA (not the system's roots) and against the host name; or a
/// shared token. No redirects are followed.
/// </summary>
public static class ProbeHttp
{
    /// <summary>Creates the client for <paramref name="settings"/>.</summary>
    public static HttpClient Create(ProbeSettings settings)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (settings.Tls is { } tls)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = tls.Certificate is { } certificate ? [certificate] : null,
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                    certificate is X509Certificate2 server &&
                    (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) == 0 &&
                    tls.Ca.Trusts(server, chain),
            };
        }

        var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("math_probe/1.0");
        if (settings.Token is { } token)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }
}
