using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Mplane.Host.Dashboard;

// In the host's namespace, beside StatusServer and StreamsEndpoints, so that mapping it is one line there.
namespace Mplane.Host;

/// <summary>
/// The web dashboard on the status server: the pages and their scripts at <c>/dashboard/...</c>
/// (<see cref="DashboardAssets"/>), <c>/</c> and <c>/dashboard</c> redirecting to the status page, and
/// the JSON they read (<see cref="DashboardApi"/>). Only these paths exist; everything below
/// <c>/dashboard/</c> that is not an embedded file is 404.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>Where the dashboard's status page is.</summary>
    public const string Home = "/dashboard/";

    /// <summary>Maps the dashboard's pages and API onto <paramref name="app"/>.</summary>
    public static WebApplication MapDashboard(this WebApplication app)
    {
        var assets = DashboardAssets.Load(typeof(DashboardEndpoints).Assembly);
        app.MapGet("/", () => Results.Redirect(Home));
        app.MapGet("/dashboard/{**path}", (string? path, HttpContext context) =>
            // Routing matches /dashboard too (trailing slashes are ignored), but the pages' relative links need the slash.
            context.Request.Path.Value == "/dashboard" ? Results.Redirect(Home) : assets.Serve(path, context));
        app.MapDashboardApi();
        return app;
    }
}
