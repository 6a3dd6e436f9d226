using System.CommandLine;
using System.Text.Json;
using Mplane.Host;
using Mplane.Warehouse.Status;

namespace Mplane.Cli.Commands;

/// <summary><c>mplane status [--serve --port N]</c>: the warehouse status as JSON, once or over HTTP on loopback.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var serve = new Option<bool>("--serve") { Description = "Serve it at http://127.0.0.1:PORT/status until stopped." };
        var port = new Option<int>("--port") { Description = "Port for --serve (loopback only).", DefaultValueFactory = _ => 8470 };
        var command = new Command("status", "Warehouse status as JSON: tables, streams, jobs (queued, running, failing), recent errors.") { serve, port };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            if (!parse.GetValue(serve))
            {
                var status = await WarehouseStatus.ReadAsync(dataSource, ct).ConfigureAwait(false);
                Console.WriteLine(JsonSerializer.Serialize(status, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
                return ExitCodes.Success;
            }

            // The stream tables' write API exists only with a token, read from the environment (not the command line, which others can see).
            var token = Environment.GetEnvironmentVariable("MPLANE_STREAMS_TOKEN") is { Length: > 0 } t ? t : null;
            if (token is { Length: < StreamsEndpoints.MinTokenLength })
            {
                throw new UsageException($"status: MPLANE_STREAMS_TOKEN must have at least {StreamsEndpoints.MinTokenLength} characters");
            }

            var app = StatusServer.Build(dataSource, parse.GetValue(port), streamsToken: token);
            await app.StartAsync(ct).ConfigureAwait(false);
            Console.WriteLine($"status at {StatusServer.Address(app)}status{(token is null ? string.Empty : $", stream tables at {StatusServer.Address(app)}streams/")} (Ctrl-C stops)");
            try
            {
                // SIGINT and SIGTERM reach the web host's lifetime first: it stops the server and signals ApplicationStopping.
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, app.Lifetime.ApplicationStopping);
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }
}
