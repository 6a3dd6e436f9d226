using System.Net;
using Microsoft.AspNetCore.Http;
using Mplane.Configuration;
using Mplane.Math.Repo;
using Mplane.Security;

namespace Mplane.Math.Tests;

public sealed class PeerAuthenticatorTests
{
    private static RepoSettings Plain(bool remote) =>
        YamlConfigurationReader.Parse<RepoConfiguration>($"plain_http: true\nplain_http_remote: {(remote ? "true" : "false")}\ntokens: {{0123456789abcdef0123: org.site.Probe}}", "x").Validate("x", "/tmp");

    [Fact]
    public void Plain_HTTP_serves_loopback_peers_only_unless_remote_plain_HTTP_is_configured()
    {
        Assert.Equal(MplaneIdentity.Unauthenticated, new PeerAuthenticator(Plain(false)).Authenticate(From("127.0.0.1")).Identity);
        var refused = new PeerAuthenticator(Plain(false)).Authenticate(From("192.0.2.7"));
        Assert.Equal(403, refused.Status);
        Assert.Contains("loopback peers only", refused.Problem, StringComparison.Ordinal);
        Assert.Equal(MplaneIdentity.Unauthenticated, new PeerAuthenticator(Plain(true)).Authenticate(From("192.0.2.7")).Identity);
    }

    [Fact]
    public void Tokens_map_to_their_identity_and_anything_else_is_401()
    {
        var authenticator = new PeerAuthenticator(Plain(false));
        Assert.Equal("org.site.Probe", authenticator.Authenticate(From("127.0.0.1", "Bearer 0123456789abcdef0123")).Identity);
        Assert.Equal(403, authenticator.Authenticate(From("192.0.2.7", "Bearer 0123456789abcdef0123")).Status); // never a token in clear over the network
        Assert.Equal("org.site.Probe", new PeerAuthenticator(Plain(true)).Authenticate(From("192.0.2.7", "Bearer 0123456789abcdef0123")).Identity);
        Assert.Equal(401, authenticator.Authenticate(From("127.0.0.1", "Bearer 0123456789abcdef0124")).Status);
        Assert.Equal(401, authenticator.Authenticate(From("127.0.0.1", "Basic dXNlcjpwYXNz")).Status);
    }

    private static DefaultHttpContext From(string address, string? authorization = null)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        return context;
    }
}
