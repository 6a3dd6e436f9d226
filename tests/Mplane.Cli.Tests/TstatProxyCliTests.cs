using System.Diagnostics;
using Mplane.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mplane.Cli.Tests;

public sealed class TstatProxyCliTests
{
    [Fact]
    public async Task The_proxy_runs_from_the_reference_s_conf_and_registers_at_the_supervisor()
    {
        using var supervisor = WireMockServer.Start();
        supervisor.Given(Request.Create().WithPath("/register/capability").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/x-mplane+json")
                .WithBody("""{"tstat-exporter_log":{"registered":"ok"},"callback":{"registered":"ok"}}"""));
        using var directory = new TemporaryDirectory("tstatproxy");
        var conf = directory.Combine("tstat.conf");
        File.WriteAllText(conf, $"""
            [module_tstat]
            module = mplane.components.tstat.tstat
            math_path = {directory.Path}
            System_ID = 01

            [component]
            workflow = component-initiated
            client_host = 127.0.0.1
            client_port = {supervisor.Ports[0]}
            registration_path = register/capability
            specification_path = show/specification
            result_path = register/result
            """);
        using var proxy = Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "mplane.dll"), "tstat-proxy", "--config", conf])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            for (var i = 0; i < 200 && !supervisor.LogEntries.Any(e => e.RequestMessage.Path == "/register/capability"); i++)
            {
                await Task.Delay(50, TestTimeout.Token);
            }

            var registration = Assert.Single(supervisor.LogEntries, e => e.RequestMessage.Path == "/register/capability").RequestMessage;
            Assert.Contains("\"label\": \"tstat-exporter_log\"", registration.Body, StringComparison.Ordinal);
            Assert.Contains("\"token\": \"4f823bb30e892d19f2fac69d93c7902c\"", registration.Body, StringComparison.Ordinal);
        }
        finally
        {
            proxy.Kill(entireProcessTree: true);
            await proxy.WaitForExitAsync(TestTimeout.Token);
        }
    }

    [Fact]
    public async Task A_missing_key_is_named_and_exits_2()
    {
        using var directory = new TemporaryDirectory("tstatproxy");
        var conf = directory.Combine("tstat.conf");
        File.WriteAllText(conf, "[component]\nworkflow = component-initiated\n");
        var result = await MplaneProcess.RunAsync("tstat-proxy", "--config", conf);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"tstat-proxy: {conf}: [module_tstat] math_path is required", result.StandardError, StringComparison.Ordinal);
    }
}
