using System.CommandLine;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mplane.Configuration;
using Mplane.Host.Remote;
using Mplane.Warehouse.Retention;
using Npgsql;

namespace Mplane.Cli.Commands;

/// <summary>
/// <c>mplane remote [--watch [--interval 1s] [--count N]] [--json]</c>: the repository's state on one
/// screen (the original's <c>remote</c>, run as <c>watch -n 1 ./remote</c>), read from the database
/// wherever the modules run.
/// </summary>
internal static class RemoteCommand
{
    // ANSI: cursor home, then clear the screen, as watch(1) redraws.
    private const string Redraw = "\u001b[H\u001b[2J";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static Command Create()
    {
        var watch = new Option<bool>("--watch") { Description = "Redraw every --interval until Ctrl-C (snapshots one after another when the output is not a terminal)." };
        var interval = new Option<string>("--interval") { Description = "Time between redraws with --watch, e.g. 1s or 500ms (at least 100ms).", DefaultValueFactory = _ => "1s", HelpName = "SPAN" };
        var count = new Option<int?>("--count") { Description = "With --watch, stop after this many snapshots.", HelpName = "N" };
        var json = new Option<bool>("--json") { Description = "The snapshot as JSON (with --watch, one document per snapshot)." };
        var config = new Option<string?>("--config") { Description = "Configuration file: its database and the retention rules shown (default: conf/repository.yaml)." };
        var command = new Command(
            "remote",
            "The repository on one screen: modules, imports per stream (last file, lag, rate), the scheduler's queue and running jobs, retention, open alarms, stream queries.")
        {
            watch, interval, count, json, config,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var every = CliValues.Span(parse.GetValue(interval)!, "--interval");
            if (every < TimeSpan.FromMilliseconds(100))
            {
                throw new UsageException("--interval: at least 100ms");
            }

            if (parse.GetValue(count) is < 1)
            {
                throw new UsageException("--count: at least 1");
            }

            var home = ProjectHome.Discover();
            var file = parse.GetValue(config);
            var configuration = RepositoryConfiguration.Load(home, file);
            var retention = RetentionPolicy.FromConfiguration(
                configuration.Retention, file ?? Path.Combine(home.ConfDirectory, RepositoryConfiguration.DefaultFileName));
            // The same file names the database, so the rules and the data shown belong together.
            await using var dataSource = await Database.OpenAsync(configuration, ct).ConfigureAwait(false);
            var source = Describe(dataSource);
            if (!parse.GetValue(watch))
            {
                var snapshot = await RepositorySnapshot.ReadAsync(dataSource, retention, RepositorySnapshot.DefaultRecentAlarms, ct).ConfigureAwait(false);
                await Console.Out.WriteAsync(parse.GetValue(json) ? JsonSerializer.Serialize(snapshot, Json) + "\n" : RemoteScreen.Render(snapshot, source)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            return await WatchAsync(dataSource, retention, source, every, parse.GetValue(count), parse.GetValue(json), ct).ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary>Redraws until cancelled (Ctrl-C ends it normally) or <paramref name="count"/> snapshots were shown.</summary>
    private static async Task<int> WatchAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<RetentionPolicy> retention, string source, TimeSpan every, int? count, bool json, CancellationToken cancellationToken)
    {
        // A terminal is redrawn in place; a pipe or file gets every snapshot, a blank line between them.
        var inPlace = !Console.IsOutputRedirected && !json;
        using var timer = new PeriodicTimer(every);
        try
        {
            for (var shown = 0; count is null || shown < count; shown++)
            {
                string text;
                try
                {
                    var snapshot = await RepositorySnapshot.ReadAsync(dataSource, retention, RepositorySnapshot.DefaultRecentAlarms, cancellationToken).ConfigureAwait(false);
                    text = json ? JsonSerializer.Serialize(snapshot, Json) + "\n" : RemoteScreen.Render(snapshot, source);
                }
                catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
                {
                    // Watching goes on while the database is away, as watch(1) goes on when its command fails.
                    text = $"mplane remote   {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC   {source}\n\nthe database cannot be read: {e.Message}\n";
                }

                await Console.Out.WriteAsync(inPlace ? Redraw + text : (shown > 0 ? "\n" : string.Empty) + text).ConfigureAwait(false);
                await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (count is { } n && shown + 1 >= n)
                {
                    break;
                }

                await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C is how watching ends.
        }

        return ExitCodes.Success;
    }

    /// <summary>The database as <c>host:port/database</c>, never with its password.</summary>
    private static string Describe(NpgsqlDataSource dataSource)
    {
        var connection = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        return $"{connection.Host}:{connection.Port}/{connection.Database}";
    }
}
