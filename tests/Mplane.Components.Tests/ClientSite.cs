using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Mplane.Components.Runtime;
using Mplane.Protocol.Matching;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Security;
using Mplane.Testing;

namespace Mplane.Components.Tests;

/// <summary>
/// A client-initiated component for client tests (linked into the CLI tests too): our
/// <see cref="ComponentListener"/> over loopback mutual TLS with a generated PKI, offering
/// <c>ping-detail</c> (answers two rows at once) and <c>ping-slow</c> (answers only once
/// <see cref="Release"/> is called, so a receipt comes back first). <c>Client-1</c> has the role that
/// may use both; <c>Stranger</c> has none.
/// </summary>
public sealed class ClientSite : IAsyncDisposable
{
    /// <summary>The rows every result carries.</summary>
    public static readonly IReadOnlyList<IReadOnlyList<string>> Rows = [["2015-10-22 10:00:00.000000", "27"], ["2015-10-22 10:00:01.000000", "39"]];

    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication _app = null!;

    private ClientSite()
    {
    }

    public TestPki Pki { get; } = new();

    /// <summary>Where the listener serves (its capabilities' link too).</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>An identity with the role for every capability: (certificate file, key file).</summary>
    public (string Cert, string Key) Guest { get; private set; }

    /// <summary>An identity of the same CA without any role.</summary>
    public (string Cert, string Key) Stranger { get; private set; }

    /// <summary>The specifications the services ran, as they received them.</summary>
    public List<Statement> Ran { get; } = [];

    /// <summary>Starts the listener; it waits <paramref name="wait"/> for a result before it answers with the receipt.</summary>
    public static async Task<ClientSite> StartAsync(TimeSpan wait)
    {
        var site = new ClientSite();
        var server = site.Pki.Server("Component-1");
        site.Guest = site.Pki.Client("Clients", "Client-1");
        site.Stranger = site.Pki.Client("Clients", "Stranger");
        // The capability's link must name the listener's own port, so the port is chosen first.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        site.Url = new Uri($"https://127.0.0.1:{port}/");
        var access = ConfFile.Parse("[Roles]\norg.mplane.SSB.Clients.Client-1 = guest\n[Authorizations]\nping = guest\n", "component.conf").AccessPolicy();
        var settings = new ListenerSettings(
            new IPEndPoint(IPAddress.Loopback, port), site.Url.AbsoluteUri, access,
            CertificateFiles.LoadWithKey(server.Cert, server.Key), new PrivateCa(CertificateFiles.LoadBundle(site.Pki.CaFile)), wait);
        site._app = ComponentListener.Build(
            settings,
            [new Ping("ping-detail", site, _ => Task.CompletedTask), new Ping("ping-slow", site, ct => site._release.Task.WaitAsync(ct))],
            new SpecificationCheck(new RegistryCatalog()),
            new JobTable());
        await site._app.StartAsync(TestTimeout.Token);
        return site;
    }

    /// <summary>Lets <c>ping-slow</c> jobs finish.</summary>
    public void Release() => _release.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.DisposeAsync();
        Pki.Dispose();
    }

    /// <summary>A ping-like capability of the core registry: one single-valued, one open and one ranged parameter.</summary>
    private sealed class Ping(string label, ClientSite site, Func<CancellationToken, Task> work) : IService
    {
        public Statement Capability { get; } = new(MessageKind.Capability, "measure")
        {
            Registry = RegistryCatalog.CoreUri,
            When = "now ... future",
            Label = label,
            Token = label + "-token",
            Parameters = new Dictionary<string, string>
            {
                ["source.ip4"] = "127.0.0.1",
                ["destination.ip4"] = "*",
                ["destination.port"] = "1 ... 1024",
            },
            Results = ["time", "delay.twoway.icmp.us.mean"],
        };

        public async Task<Statement> RunAsync(Statement specification, CancellationToken cancellationToken)
        {
            lock (site.Ran)
            {
                site.Ran.Add(specification);
            }

            await work(cancellationToken);
            return specification with { Kind = MessageKind.Result, When = "2015-10-22 10:00:00.000000 ... 2015-10-22 10:00:02.000000", ResultValues = Rows };
        }
    }
}
