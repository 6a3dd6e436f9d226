using System.Diagnostics;

namespace Mplane.Reliability.Tests.Security;

/// <summary>What a probe got back: the HTTP status and body, or no status when the TLS handshake was refused.</summary>
internal sealed record ProbeAnswer(int? Status, string Body)
{
    /// <summary>The server refused the TLS handshake (or closed the connection right after it).</summary>
    public static readonly ProbeAnswer HandshakeRefused = new(null, string.Empty);

    public override string ToString() => Status is { } status ? $"{status} '{(Body.Length > 200 ? Body[..200] + "..." : Body)}'" : "TLS handshake refused";
}

/// <summary>One hostile request against a server.</summary>
/// <param name="Name">What it tries.</param>
/// <param name="Expected">The right refusal: an HTTP status, or null for a refused TLS handshake.</param>
/// <param name="Fire">Sends it.</param>
/// <param name="BodyHas">Text the answer must hold (an mPlane exception is a 200 whose body says so).</param>
/// <param name="FrameworkLogged">
/// Refused before any of the product's code runs (the TLS handshake without a certificate, a request
/// too large for Kestrel, a Host the host filter refuses): logged by ASP.NET Core or Kestrel only, at
/// debug or information level, below the repository host's threshold for <c>Microsoft.*</c>.
/// </param>
internal sealed record SecurityProbe(string Name, int? Expected, Func<CancellationToken, Task<ProbeAnswer>> Fire, string? BodyHas = null, bool FrameworkLogged = false);

/// <summary>The figures of a battery of probes, and what went wrong.</summary>
internal sealed record ProbeTally(int Fired, int Refused, int Logged, int FrameworkLogged, int WithEffect, IReadOnlyList<string> Failures);

/// <summary>
/// Fires probes one at a time and checks each: refused with the right status, a refusal logged (the
/// count of refusal lines in the server's log grew), no effect (the snapshot around it unchanged),
/// and nothing secret in the answer.
/// </summary>
internal sealed class ProbeBattery(Func<int> refusalsLogged, Func<CancellationToken, Task<EffectSnapshot>> snapshot, IReadOnlyList<string> secrets)
{
    private static readonly TimeSpan LogWait = TimeSpan.FromSeconds(5);

    public async Task<ProbeTally> FireAsync(IReadOnlyList<SecurityProbe> probes, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        int refused = 0, logged = 0, frameworkLogged = 0, withEffect = 0;
        foreach (var probe in probes)
        {
            var before = await snapshot(cancellationToken).ConfigureAwait(false);
            var lines = refusalsLogged();
            var answer = await probe.Fire(cancellationToken).ConfigureAwait(false);
            if (answer.Status == probe.Expected && (probe.BodyHas is null || answer.Body.Contains(probe.BodyHas, StringComparison.Ordinal)))
            {
                refused++;
            }
            else
            {
                failures.Add($"{probe.Name}: answered {answer}, expected {(probe.Expected is { } status ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "a refused TLS handshake")}{(probe.BodyHas is null ? string.Empty : $" holding '{probe.BodyHas}'")}");
            }

            if (secrets.FirstOrDefault(s => answer.Body.Contains(s, StringComparison.Ordinal)) is { } secret)
            {
                failures.Add($"{probe.Name}: the answer discloses '{secret}'");
            }

            if (await EventuallyAsync(() => refusalsLogged() > lines, cancellationToken).ConfigureAwait(false))
            {
                logged++;
                frameworkLogged += probe.FrameworkLogged ? 1 : 0;
            }
            else
            {
                failures.Add($"{probe.Name}: no refusal logged");
            }

            if (before.Difference(await snapshot(cancellationToken).ConfigureAwait(false)) is { } effect)
            {
                withEffect++;
                failures.Add($"{probe.Name}: had an effect: {effect}");
            }
        }

        return new ProbeTally(probes.Count, refused, logged, frameworkLogged, withEffect, failures);
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > LogWait)
            {
                return false;
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}
