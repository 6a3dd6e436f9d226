using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Mplane.Host.Modules;
using Mplane.Warehouse.Catalogue;
using Npgsql;

namespace Mplane.Host.Dashboard;

/// <summary>
/// The JSON the dashboard's pages read besides <c>/status</c> and <c>/status/alarms</c>:
/// <list type="bullet">
/// <item><c>GET /status/modules</c>: the modules' states as they report them (<see cref="ModuleStates"/>).</item>
/// <item><c>GET /status/series?table=&amp;columns=a,b&amp;from=&amp;to=&amp;points=&amp;aggregate=</c>: numeric columns of a
/// continuous table over time (<see cref="TimeSeries"/>).</item>
/// <item><c>GET /status/top?table=&amp;key=&amp;value=&amp;limit=&amp;from=&amp;to=&amp;points=&amp;aggregate=</c>: the keys with the
/// largest totals of a numeric column over the range, one line each.</item>
/// </list>
/// A parameter that is missing or wrong is answered 400 with <c>{"error": "...", "parameter": "..."}</c>.
/// </summary>
internal static class DashboardApi
{
    /// <summary>The points of a plot when the request does not say: about one per pixel of a wide chart.</summary>
    public const int DefaultPoints = 1000;

    /// <summary>The most points a request may ask for.</summary>
    public const int MaxPoints = 5000;

    /// <summary>The most columns of one series request.</summary>
    public const int MaxColumns = 8;

    /// <summary>The most keys of one top request.</summary>
    public const int MaxKeys = 20;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static readonly string[] Aggregates = [.. SeriesReader.Aggregates.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Maps the endpoints.</summary>
    public static void MapDashboardApi(this WebApplication app)
    {
        app.MapGet("/status/modules", (HttpContext context, NpgsqlDataSource source) => AnswerAsync(context, async cancellationToken =>
        {
            var modules = await new ModuleStates(source).ReadAsync(cancellationToken).ConfigureAwait(false);
            return new { time = DateTimeOffset.UtcNow, lostAfterSeconds = ModuleStates.LostAfter.TotalSeconds, modules };
        }));

        app.MapGet("/status/series", (HttpContext context, NpgsqlDataSource source) => AnswerAsync(context, async cancellationToken =>
        {
            // Every parameter is read and checked before a connection is opened.
            var query = new QueryParameters(context.Request.Query);
            var name = query.Table("table");
            var columns = query.Columns("columns", MaxColumns);
            var (from, to, points, aggregate) = (query.Instant("from"), query.Instant("to"), query.Integer("points", DefaultPoints, 2, MaxPoints), query.Choice("aggregate", "avg", Aggregates));

            await using var connection = await OpenAsync(source, cancellationToken).ConfigureAwait(false);
            var table = await PlottableTable.FindAsync(connection, name, "table", cancellationToken).ConfigureAwait(false);
            var numeric = columns.Select(c => table.Numeric(c, "columns")).ToList();
            var range = PlotRange.Resolve(from, to, table, points, DateTimeOffset.UtcNow);
            return await SeriesReader.ColumnsAsync(connection, table, numeric, range, aggregate, cancellationToken).ConfigureAwait(false);
        }));

        app.MapGet("/status/top", (HttpContext context, NpgsqlDataSource source) => AnswerAsync(context, async cancellationToken =>
        {
            var query = new QueryParameters(context.Request.Query);
            var name = query.Table("table");
            var (key, value) = (query.Column("key"), query.Column("value"));
            var limit = query.Integer("limit", 8, 1, MaxKeys);
            var (from, to, points, aggregate) = (query.Instant("from"), query.Instant("to"), query.Integer("points", DefaultPoints, 2, MaxPoints), query.Choice("aggregate", "avg", Aggregates));

            await using var connection = await OpenAsync(source, cancellationToken).ConfigureAwait(false);
            var table = await PlottableTable.FindAsync(connection, name, "table", cancellationToken).ConfigureAwait(false);
            var (keyColumn, valueColumn) = (table.Existing(key, "key"), table.Numeric(value, "value"));
            var range = PlotRange.Resolve(from, to, table, points, DateTimeOffset.UtcNow);
            return await SeriesReader.TopAsync(connection, table, keyColumn, valueColumn, limit, range, aggregate, cancellationToken).ConfigureAwait(false);
        }));
    }

    // The catalogue may not exist yet in a fresh database; the status endpoints create it the same way.
    private static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource source, CancellationToken cancellationToken)
    {
        await CatalogueSchema.EnsureAsync(source, cancellationToken).ConfigureAwait(false);
        return await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    // Live data: never cached, by the browser or anything between; a refused parameter is a 400 naming it.
    private static async Task<IResult> AnswerAsync<T>(HttpContext context, Func<CancellationToken, Task<T>> answer)
    {
        context.Response.Headers.CacheControl = "no-store";
        try
        {
            return Results.Json(await answer(context.RequestAborted).ConfigureAwait(false), Json);
        }
        catch (BadParameterException e)
        {
            return Results.Json(new { error = e.Message, parameter = e.Parameter }, Json, statusCode: StatusCodes.Status400BadRequest);
        }
    }
}
