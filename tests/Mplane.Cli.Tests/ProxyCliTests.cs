using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mplane.Components.Transport;
using Mplane.LogFormats.Scanning;
using Mplane.Protocol.Messages;
using Mplane.Security;
using Mplane.Testing;
using Mplane.Warehouse.Import;

namespace Mplane.Cli.Tests;

/// <summary><c>mplane proxy --config FILE</c> as a process: the reference's INI plus [repository], over mutual TLS, on a real warehouse.</summary>
public sealed class ProxyCliTests
{
    [Fact]
    public async Task The_proxy_serves_the_warehouse_s_tables_to_an_authorized_client_only()
    {
        await using var database = await SamplesDatabaseAsync("proxycli");

        using var pki = new TestPki();
        using var directory = new TemporaryDirectory("proxycli");
        var server = pki.Server("Repository-1");
        var client = pki.Client("Clients", "Client-1");
        var stranger = pki.Client("Clients", "Stranger");
        var port = FreePort();
        var conf = directory.Combine("repository.conf");
        File.WriteAllText(conf, $"""
            {TlsSection(server, pki)}

            [Roles]
            org.mplane.SSB.Clients.Client-1 = guest

            [Authorizations]
            repository-list_tables = guest
            repository-query_view = guest

            [component]
            workflow = client-initiated
            listen-port = {port}
            listen-cap-link = https://127.0.0.1:{port}/

            [repository]
            math_repo = https://127.0.0.1:1/
            query_max_rows = 50
            """);
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "mplane.dll"), "proxy", "--config", conf])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["MPLANE_PG"] = database.ConnectionString;
        using var proxy = Process.Start(start)!;
        try
        {
            using var http = Client(pki, client);
            var capabilities = await CapabilitiesAsync(http, port);
            Assert.Equal(["repository-list_tables", "repository-query_view"], capabilities.Select(c => c.Label).Order(StringComparer.Ordinal));
            var queryView = capabilities.Single(c => c.Label == "repository-query_view");
            Assert.Equal("1 ... 50", queryView.Parameters["repository.limit"]);

            var result = Assert.IsType<Statement>(await PostAsync(http, port, queryView with
            {
                Kind = MessageKind.Specification,
                When = "past ... now",
                Token = "0123456789abcdef0123456789abcdef",
                Link = null,
                Parameters = new Dictionary<string, string> { ["repository.view"] = "log_tcp_complete", ["repository.filter"] = "s_port == 443", ["repository.limit"] = "50" },
            }));
            Assert.Equal(MessageKind.Result, result.Kind);
            Assert.Equal(50, result.ResultValues.Count);

            using var strangerHttp = Client(pki, stranger);
            Assert.Empty(await CapabilitiesAsync(strangerHttp, port));
        }
        finally
        {
            proxy.Kill(entireProcessTree: true);
            await proxy.WaitForExitAsync(TestTimeout.Token);
        }
    }

    [Fact]
    public async Task Our_client_runs_a_capability_of_the_proxy_in_the_component_initiated_workflow()
    {
        await using var database = await SamplesDatabaseAsync("proxyci");

        using var pki = new TestPki();
        using var directory = new TemporaryDirectory("proxyci");
        var proxyCert = pki.Client("Repositories", "Proxy-1");
        var clientCert = pki.Server("Client-1"); // the client listens for components: its certificate serves TLS
        var port = FreePort();
        var clientConf = directory.Combine("client.conf");
        File.WriteAllText(clientConf, $"""
            {TlsSection(clientCert, pki)}

            [client]
            workflow = component-initiated
            listen-port = {port}
            listen-spec-link = https://127.0.0.1:{port}/register/result
            """);
        var proxyConf = directory.Combine("repository.conf");
        File.WriteAllText(proxyConf, $"""
            {TlsSection(proxyCert, pki)}

            [Roles]
            org.mplane.SSB.Repositories.Client-1 = guest

            [Authorizations]
            repository-list_tables = guest

            [component]
            workflow = component-initiated
            client_host = 127.0.0.1
            client_port = {port}
            registration_path = register/capability
            specification_path = show/specification
            result_path = register/result
            poll_interval = 0.2

            [repository]
            math_repo = https://127.0.0.1:1/
            """);

        var client = Start(["client", "--config", clientConf, "--state", directory.Combine("state"), "run", "repository-list_tables", "--when", "now"], null);
        var proxy = (Process?)null;
        try
        {
            // The proxy reads the client's identity from a handshake when it starts: the client listens first.
            for (var i = 0; i < 200 && !Listening(port); i++)
            {
                await Task.Delay(50, TestTimeout.Token);
            }

            proxy = Start(["proxy", "--config", proxyConf], database.ConnectionString);
            var output = await client.StandardOutput.ReadToEndAsync(TestTimeout.Token);
            await client.WaitForExitAsync(TestTimeout.Token);
            Assert.True(client.ExitCode == 0, await client.StandardError.ReadToEndAsync(TestTimeout.Token));
            Assert.Contains("public.log_tcp_complete  base", output, StringComparison.Ordinal);
            Assert.Contains("(1 row)", output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var process in new[] { client, proxy })
            {
                if (process is { HasExited: false })
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(TestTimeout.Token);
                }

                process?.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_bad_repository_setting_is_named_and_exits_2()
    {
        using var directory = new TemporaryDirectory("proxycli");
        var conf = directory.Combine("repository.conf");
        File.WriteAllText(conf, "[component]\nworkflow = client-initiated\n[repository]\nmath_repo = ftp://x/\n");
        var result = await MplaneProcess.RunAsync("proxy", "--config", conf);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"proxy: {conf}: [repository] math_repo 'ftp://x/' is not math_repo's address", result.StandardError, StringComparison.Ordinal);
    }

    private static async Task<List<Statement>> CapabilitiesAsync(HttpClient http, int port)
    {
        string page = string.Empty;
        for (var i = 0; i < 200; i++)
        {
            try
            {
                page = await http.GetStringAsync(new Uri($"https://127.0.0.1:{port}/capability"), TestTimeout.Token);
                break;
            }
            catch (HttpRequestException) when (i < 199)
            {
                await Task.Delay(100, TestTimeout.Token); // the proxy is still starting
            }
        }

        var capabilities = new List<Statement>();
        foreach (var token in page.Split("<a href='/capability/").Skip(1).Select(s => s.Split('\'')[0]))
        {
            using var reply = await http.GetAsync(new Uri($"https://127.0.0.1:{port}/capability/{token}"), TestTimeout.Token);
            capabilities.Add(Assert.IsType<Statement>(await MplaneHttp.ReadAsync(reply, TestTimeout.Token)));
        }

        return capabilities;
    }

    private static async Task<Message> PostAsync(HttpClient http, int port, Message message)
    {
        using var reply = await http.PostAsync(new Uri($"https://127.0.0.1:{port}/"), MplaneHttp.Content(message), TestTimeout.Token);
        return await MplaneHttp.ReadAsync(reply, TestTimeout.Token);
    }

    private static HttpClient Client(TestPki pki, (string Cert, string Key) identity) =>
        new(new SocketsHttpHandler { SslOptions = MutualTls.ClientOptions(CertificateFiles.LoadWithKey(identity.Cert, identity.Key), new PrivateCa(CertificateFiles.LoadBundle(pki.CaFile))) });

    /// <summary>A database holding the Tstat samples in log_tcp_complete.</summary>
    private static async Task<TestDatabase> SamplesDatabaseAsync(string purpose)
    {
        var database = await TestDatabase.CreateAsync(purpose, TestTimeout.Token);
        foreach (var file in InputFiles.Expand([TestPaths.TstatSamples], "log_tcp_complete"))
        {
            await new Importer(database.DataSource).ImportFileAsync(file, new ImportOptions { Stream = "log_tcp_complete" }, TestTimeout.Token);
        }

        return database;
    }

    /// <summary>The reference's [TLS] section for <paramref name="identity"/>, trusting the test CA.</summary>
    private static string TlsSection((string Cert, string Key) identity, TestPki pki) =>
        $"[TLS]\ncert = {identity.Cert}\nkey = {identity.Key}\nca-chain = {pki.CaFile}\n";

    private static Process Start(IReadOnlyList<string> arguments, string? database)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "mplane.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (database is not null)
        {
            start.Environment["MPLANE_PG"] = database;
        }

        return Process.Start(start)!;
    }

    private static bool Listening(int port)
    {
        try
        {
            using var tcp = new TcpClient();
            tcp.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
