using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Mplane.Security;

namespace Mplane.Math.Repo;

/// <summary>Who a request comes from, or why it is refused (HTTP status and reason).</summary>
public readonly record struct PeerResult(string? Identity, int Status, string? Problem)
{
    /// <summary>Whether the peer was identified.</summary>
    public bool Ok => Identity is not null;
}

/// <summary>
/// Identifies the peer of a request: by its client certificate (already checked against the CA by
/// the TLS handshake) in mPlane's dotted form, by a shared token (<c>Authorization: Bearer</c>,
/// compared in constant time), or, on a plain-HTTP listener configured explicitly, as mPlane's
/// unauthenticated identity, from loopback peers only unless remote plain HTTP is configured too.
/// </summary>
public sealed class PeerAuthenticator(RepoSettings settings)
{
    private readonly IReadOnlyList<(byte[] Hash, string Identity)> _tokens =
        settings.Tokens.Select(t => (SHA256.HashData(Encoding.UTF8.GetBytes(t.Key)), t.Value)).ToList();

    /// <summary>Identifies the request's peer.</summary>
    public PeerResult Authenticate(HttpContext context)
    {
        if (context.Connection.ClientCertificate is { } certificate)
        {
            return new PeerResult(MplaneIdentity.Of(certificate), 200, null);
        }

        // Plain HTTP carries tokens in clear: its peers must be local unless remote plain HTTP is configured.
        var remote = context.Connection.RemoteIpAddress;
        if (!context.Request.IsHttps && (remote is null || !(IPAddress.IsLoopback(remote) || settings.PlainHttpRemote)))
        {
            return new PeerResult(null, 403, "plain HTTP is served to loopback peers only (plain_http_remote is not set)");
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || _tokens.Count == 0)
            {
                return new PeerResult(null, 401, "unsupported credentials: use a client certificate or a configured token");
            }

            var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization["Bearer ".Length..].Trim()));
            string? match = null;
            foreach (var (hash, identity) in _tokens)
            {
                if (CryptographicOperations.FixedTimeEquals(hash, presented))
                {
                    match = identity;
                }
            }

            return match is not null ? new PeerResult(match, 200, null) : new PeerResult(null, 401, "unknown token");
        }

        return context.Request.IsHttps || !settings.PlainHttp
            ? new PeerResult(null, 401, "no credentials: present a client certificate or a token")
            : new PeerResult(MplaneIdentity.Unauthenticated, 200, null);
    }
}
