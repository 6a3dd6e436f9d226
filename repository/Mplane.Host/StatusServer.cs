using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Globalization;
using Mplane.Analysis;
using Mplane.Warehouse.Sql;
using Mplane.Warehouse.Status;
using Npgsql;

namespace Mplane.Host;

/// <summary>
/// Serves the warehouse status as JSON on a loopback address only: <c>GET /status</c> (tables,
/// streams, jobs, errors) and <c>GET /status/tables/{schema.table}/partitions</c> (one table's
/// partitions) and <c>GET /status/alarms?from=&amp;to=&amp;all=</c> (anomaly alarms). Nothing else is served:
/// every other path is 404, every other method 405. With a streams token, the stream tables' API
/// (<see cref="StreamsEndpoints"/>) too.
/// </summary>
public static class StatusServer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The most alarm records one request returns (the oldest of the range): narrow the range for more.</summary>
    public const int MaxAlarms = 10_000;

    /// <summary>Builds the server on <paramref name="address"/> (a loopback address, 127.0.0.1 by default) and <paramref name="port"/> (0 picks a free port).</summary>
    public static WebApplication Build(
        NpgsqlDataSource dataSource, int port, Action<ILoggingBuilder>? logging = null, string? streamsToken = null, IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        if (!IPAddress.IsLoopback(address))
        {
            throw new ArgumentException($"{address} is not a loopback address: the status pages are served on loopback only", nameof(address));
        }

        // The content root in the program's folder and no configuration reload: by default the working
        // directory is watched recursively, and every write to files below it (a spool) wakes the watcher.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, port));
        // Loopback is the boundary, and a web page elsewhere could rebind a name of its own to 127.0.0.1
        // (DNS rebinding): only requests addressed to a loopback name are answered, others get 400.
        builder.Services.AddHostFiltering(options =>
        {
            options.AllowedHosts = ["localhost", "127.0.0.1", "[::1]"];
            options.AllowEmptyHosts = false;
        });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddRepositoryMetrics(dataSource);

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StatusServer));
        app.Use(async (context, next) =>
        {
            // Every refusal (a wrong parameter, path, method, host or size) is a line in the log; a missing
            // page is only information (browsers ask for icons).
            await next(context).ConfigureAwait(false);
            if (context.Response.StatusCode is >= 400 and < 500 and var status)
            {
                var request = context.Request.Path + context.Request.QueryString;
                log.Log(
                    status == StatusCodes.Status404NotFound ? LogLevel.Information : LogLevel.Warning,
                    "Refused {Method} {Request} from {Remote}: {Status}",
                    context.Request.Method, request.Length > 300 ? request[..300] + "..." : request, context.Connection.RemoteIpAddress, status);
            }
        });
        app.UseHostFiltering();
        app.MapGet("/status", async (NpgsqlDataSource source, HttpContext context) =>
            Results.Json(await WarehouseStatus.ReadAsync(source, context.RequestAborted).ConfigureAwait(false), Json));
        app.MapGet("/status/tables/{table}/partitions", async (string table, NpgsqlDataSource source, HttpContext context) =>
        {
            QualifiedName name;
            try
            {
                name = QualifiedName.Parse(table);
            }
            catch (ArgumentException e)
            {
                return Results.Json(new { error = e.Message }, Json, statusCode: StatusCodes.Status400BadRequest);
            }

            return await WarehouseStatus.PartitionsAsync(source, name, context.RequestAborted).ConfigureAwait(false) is { } partitions
                ? Results.Json(new { table = $"{name.Schema.Name}.{name.Table.Name}", partitions }, Json)
                : Results.Json(new { error = $"no continuous table {name.Schema.Name}.{name.Table.Name}" }, Json, statusCode: StatusCodes.Status404NotFound);
        });
        app.MapGet("/status/alarms", async (NpgsqlDataSource source, HttpContext context) =>
        {
            // from/to: ISO 8601 (default: the last day); all=true: every record, not only alarms.
            DateTimeOffset? Instant(string name) =>
                context.Request.Query[name].ToString() is { Length: > 0 } text
                    ? DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : throw new FormatException($"{name}: '{text}' is not an ISO-8601 time")
                    : null;
            DateTimeOffset from, to;
            try
            {
                to = Instant("to") ?? DateTimeOffset.MaxValue;
                from = Instant("from") ?? DateTimeOffset.UtcNow.AddDays(-1);
            }
            catch (FormatException e)
            {
                return Results.Json(new { error = e.Message }, Json, statusCode: StatusCodes.Status400BadRequest);
            }

            var store = new AlarmStore(source);
            await store.EnsureAsync(context.RequestAborted).ConfigureAwait(false);
            var records = await store.ReadAsync(from, to, context.Request.Query["all"] == "true", context.RequestAborted, limit: MaxAlarms).ConfigureAwait(false);
            return Results.Json(new { from, to = to == DateTimeOffset.MaxValue ? (DateTimeOffset?)null : to, alarms = records.Select(r => new { r.Record, r.AlarmState, r.ComputedAt }) }, Json);
        });
        if (streamsToken is not null)
        {
            app.MapStreams(streamsToken); // the write side exists only with a token: default deny
        }

        app.MapDashboard();
        app.MapMetrics();
        return app;
    }

    /// <summary>The address the started server listens on.</summary>
    public static Uri Address(WebApplication app) => new(app.Urls.First());
}
