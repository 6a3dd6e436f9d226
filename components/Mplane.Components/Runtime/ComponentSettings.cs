using System.Globalization;
using Mplane.Security;

namespace Mplane.Components.Runtime;

/// <summary>
/// A component's settings from the reference's <c>.conf</c> keys: <c>[component]</c>
/// <c>client_host</c>, <c>client_port</c> (1228), <c>registration_path</c>, <c>specification_path</c>,
/// <c>result_path</c> (required, a leading <c>/</c> added), <c>registry_uri</c>; https when a
/// <c>[TLS]</c> section exists; the poll interval (5 s, as the reference; <c>poll_interval</c> in seconds);
/// the outcomes a repeated specification's Envelope keeps (<c>scheduler_max_results</c>, 0 for all).
/// </summary>
public sealed record ComponentSettings(Uri Supervisor, string RegistrationPath, string SpecificationPath, string ResultPath, TimeSpan PollInterval, AccessPolicy Access, bool Tls)
{
    /// <summary>The outcomes a repeated specification's Envelope keeps, the last ones; 0 keeps all.</summary>
    public int MaxResults { get; init; }

    /// <summary>Reads <c>[component] scheduler_max_results</c> (0 when absent).</summary>
    /// <exception cref="FormatException">The value is not a whole number.</exception>
    public static int MaxResultsFrom(ConfFile conf)
    {
        var text = conf.Get("component", "scheduler_max_results") ?? "0";
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var max)
            ? max
            : throw new FormatException($"{conf.Source}: [component] scheduler_max_results '{text}' is not a whole number");
    }

    /// <summary>Reads the settings; errors name the file, section and key.</summary>
    /// <exception cref="FormatException">A key is missing or wrong.</exception>
    public static ComponentSettings From(ConfFile conf)
    {
        string Required(string key) => conf.Get("component", key) is { Length: > 0 } value
            ? value
            : throw new FormatException($"{conf.Source}: [component] {key} is required");
        string Path(string key) => "/" + Required(key).TrimStart('/');

        var tls = conf.Has("TLS");
        var portText = conf.Get("component", "client_port") ?? "1228";
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"{conf.Source}: [component] client_port '{portText}' is not a port");
        }

        var pollText = conf.Get("component", "poll_interval") ?? "5";
        if (!double.TryParse(pollText, NumberStyles.Float, CultureInfo.InvariantCulture, out var poll) || poll <= 0)
        {
            throw new FormatException($"{conf.Source}: [component] poll_interval '{pollText}' is not a number of seconds");
        }

        var supervisor = new UriBuilder(tls ? "https" : "http", Required("client_host"), port).Uri;
        return new ComponentSettings(supervisor, Path("registration_path"), Path("specification_path"), Path("result_path"), TimeSpan.FromSeconds(poll), conf.AccessPolicy(), tls)
        {
            MaxResults = MaxResultsFrom(conf),
        };
    }
}
