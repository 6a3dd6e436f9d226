using System.CommandLine;
using Microsoft.Extensions.Logging;
using Mplane.Components.Runtime;
using Mplane.Components.Tstat;

namespace Mplane.Cli.Commands;

/// <summary>
/// <c>mplane tstat-proxy --config tstat.conf</c>: the Tstat proxy, offering <c>tstat-exporter_log</c>,
/// from the reference's own configuration file: <c>[TLS]</c>, <c>[Roles]</c>, <c>[Authorizations]</c>,
/// <c>[component]</c> (either workflow) and <c>[module_tstat]</c> (<c>math_path</c>, <c>System_ID</c>).
/// </summary>
internal static class TstatProxyCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "The proxy's .conf file (the reference's INI format).", Required = true };
        var command = new Command("tstat-proxy", "Run the Tstat proxy: tstat-exporter_log launches math_probe toward a repository for a specification's time scope.") { config };
        command.SetAction((parse, ct) => ComponentCommand.RunAsync("tstat-proxy", async () =>
        {
            var conf = ComponentConf.Read(parse.GetValue(config)!);
            using var loggers = ConsoleLoggers.Create();
            var service = new TstatExporterLogService(
                new TstatExporterSettings(Path.GetFullPath(conf.Required("module_tstat", "math_path")), conf.Required("module_tstat", "System_ID")),
                loggers.CreateLogger<TstatExporterLogService>());
            await conf.RunAsync([service], loggers, ct).ConfigureAwait(false);
        }));
        return command;
    }
}
