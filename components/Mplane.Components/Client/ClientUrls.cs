namespace Mplane.Components.Client;

/// <summary>
/// URLs as the reference client reads them from its configuration and from capability links:
/// <c>host:port/path</c> without a scheme takes the scheme given (the reference's: https when the
/// configuration has <c>[TLS]</c>, else http); only http and https are spoken (not the specification's
/// <c>mplane-https://</c>, which the reference does not understand either).
/// </summary>
public static class ClientUrls
{
    /// <summary>Parses <paramref name="text"/>; <paramref name="defaultScheme"/> applies when it has no scheme.</summary>
    /// <exception cref="FormatException">It is not an http(s) URL with a host; the message quotes it.</exception>
    public static Uri Parse(string text, string defaultScheme)
    {
        var full = text.Contains("://", StringComparison.Ordinal) ? text : $"{defaultScheme}://{text}";
        return Uri.TryCreate(full, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Host.Length > 0 && string.IsNullOrEmpty(url.UserInfo)
            ? url
            : throw new FormatException($"'{text}' is not an http:// or https:// URL with a host");
    }
}
