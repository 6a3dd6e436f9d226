using System.Globalization;
using System.Net;
using Mplane.Components.Client;

namespace Mplane.Cli.Commands;

/// <summary>
/// The settings of the client's component inbox (component-initiated workflow) from the reference
/// client's <c>[client]</c> keys, which are written with hyphens: <c>listen-port</c> (8888),
/// <c>listen-spec-link</c> (default: this listener's own result URL), <c>registration-path</c>,
/// <c>specification-path</c>, <c>result-path</c> (the reference's defaults), and <c>listen-host</c>,
/// which the reference ignores and this client honours (default 127.0.0.1). With <c>[Roles]</c> and
/// <c>[Authorizations]</c>, components register only the capabilities granted to their identity.
/// </summary>
internal static class InboxConf
{
    public static InboxSettings Read(ClientSession session, string verb)
    {
        var conf = session.Conf!;
        string Key(string key, string fallback) => conf.Get("client", key) is { Length: > 0 } value ? value : fallback;
        UsageException Problem(string key, string problem) => new($"client {verb}: {conf.Source}: [client] {key} {problem}");
        string PathOf(string key, string fallback) => "/" + Key(key, fallback).Trim('/');

        var portText = Key("listen-port", "8888");
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw Problem("listen-port", $"'{portText}' is not a port number");
        }

        var hostText = Key("listen-host", "127.0.0.1");
        if (!IPAddress.TryParse(hostText, out var host))
        {
            throw Problem("listen-host", $"'{hostText}' is not an IP address");
        }

        var resultPath = PathOf("result-path", "register/result");
        var scheme = session.Certificate is null ? Uri.UriSchemeHttp : Uri.UriSchemeHttps;
        var linkHost = host.Equals(IPAddress.Any) ? IPAddress.Loopback : host.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : host;
        var linkText = Key("listen-spec-link", new UriBuilder(scheme, linkHost.ToString(), port, resultPath).Uri.ToString()); // brackets an IPv6 host
        if (!Uri.TryCreate(linkText, UriKind.Absolute, out var link) || (link.Scheme != Uri.UriSchemeHttp && link.Scheme != Uri.UriSchemeHttps) || link.IsDefaultPort && !linkText.Contains($":{link.Port}", StringComparison.Ordinal))
        {
            throw Problem("listen-spec-link", $"'{linkText}' must be an absolute http(s) URL with an explicit port and a path (components post results there)");
        }

        return new InboxSettings(
            new IPEndPoint(host, port), link, PathOf("registration-path", "register/capability"), PathOf("specification-path", "show/specification"), resultPath,
            session.Certificate, session.Ca,
            conf.Has("Roles") ? conf.AccessPolicy() : null); // with [Roles], components register only the capabilities [Authorizations] grant them
    }
}
