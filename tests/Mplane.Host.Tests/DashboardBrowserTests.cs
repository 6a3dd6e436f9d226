using Mplane.Host.Tests.Browser;
using Mplane.Testing;

namespace Mplane.Host.Tests;

/// <summary>
/// The dashboard in a real browser (Debian's chromium, headless) against a database with imported
/// data: the pages render without a console error, an exception or a failed request, the status page
/// lists the imported stream, and the plots show exactly the data the views hold, with the alarm
/// marked. Set MPLANE_DASHBOARD_SCREENSHOTS to a folder to keep screenshots of the pages.
/// </summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private static readonly TimeSpan PageTimeout = TimeSpan.FromSeconds(15);
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await DashboardTestData.CreateAsync("dashboardbrowser", TestTimeout.Token);

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task The_status_and_plots_pages_show_the_imported_data_without_errors()
    {
        var cancellationToken = TestTimeout.Token;
        await using var app = StatusServer.Build(_database.DataSource, port: 0);
        await app.StartAsync(cancellationToken);
        var address = StatusServer.Address(app);
        await using var browser = await HeadlessChromium.StartAsync(cancellationToken);
        var page = await browser.NewPageAsync(cancellationToken);

        // The status page, through the redirect from /.
        await page.NavigateAsync(address, cancellationToken);
        await WaitReadyAsync(page, cancellationToken);
        Assert.EndsWith("/dashboard/", await page.EvaluateAsync<string>("location.pathname", cancellationToken), StringComparison.Ordinal);
        var stream = await page.EvaluateAsync<string>(
            "[...document.querySelectorAll('#streams tr[data-key=\"public.log_tcp_complete\"] td')].map(td => td.textContent).join('|')", cancellationToken);
        Assert.StartsWith("public.log_tcp_complete|3|495|", stream, StringComparison.Ordinal); // name, files, rows
        Assert.Contains("2015_02_28_00_30.out", stream, StringComparison.Ordinal); // the last file
        Assert.Equal(3, await page.EvaluateAsync<int>("document.querySelectorAll('#jobs tr[data-key]').length", cancellationToken));
        Assert.Contains("No module has reported", await page.EvaluateAsync<string>("document.getElementById('modules').textContent", cancellationToken), StringComparison.Ordinal);
        await ScreenshotAsync(page, "status.png", cancellationToken);

        // The plots page, without a range: the newest day of data, which holds all of the samples.
        await page.NavigateAsync(new Uri(address, "/dashboard/plots.html"), cancellationToken);
        await WaitReadyAsync(page, cancellationToken);
        var bins = await _database.ScalarAsync<long>("SELECT count(*) FROM flows_5min");
        var flows = await _database.ScalarAsync<decimal>("SELECT sum(flows) FROM flows_5min");
        Assert.Equal(495m, flows);
        Assert.Equal(bins, await page.EvaluateAsync<long>("mplaneDashboard.charts.traffic.data[0].length", cancellationToken));
        Assert.Equal(495, await page.EvaluateAsync<double>("mplaneDashboard.charts.traffic.data[1].reduce((sum, v) => sum + (v ?? 0), 0)", cancellationToken));
        Assert.Equal(
            (double)await _database.ScalarAsync<decimal>("SELECT sum(clients) FROM clients_5min"),
            await page.EvaluateAsync<double>("mplaneDashboard.charts.clients.data[1].reduce((sum, v) => sum + (v ?? 0), 0)", cancellationToken));
        var topPort = await _database.ScalarAsync<int>("SELECT port FROM top_ports_5min GROUP BY port ORDER BY sum(flows) DESC, port::text LIMIT 1");
        Assert.Equal($"port {topPort}", await page.EvaluateAsync<string>("mplaneDashboard.charts.ports.series[1].label", cancellationToken));

        // The alarm: listed, and its bin's tooltip names the feature and the top contributor.
        Assert.Equal(1, await page.EvaluateAsync<int>("mplaneDashboard.alarms.length", cancellationToken));
        var tooltip = await page.EvaluateAsync<string>(
            $$"""
            (() => {
              const chart = mplaneDashboard.charts.traffic;
              chart.setCursor({ left: chart.valToPos({{DashboardTestData.AlarmBin.ToUnixTimeSeconds() + 150}}, 'x'), top: 20 });
              const tip = document.getElementById('tooltip');
              return tip.hidden ? '' : tip.textContent;
            })()
            """,
            cancellationToken);
        Assert.Contains("server_port · kl_refset", tooltip, StringComparison.Ordinal);
        Assert.Contains(DashboardTestData.AlarmContributor, tooltip, StringComparison.Ordinal);
        await ScreenshotAsync(page, "plots.png", cancellationToken);

        // Zooming by a drag-select puts the range in the address and reads the data again for it.
        await page.EvaluateAsync(
            """
            (() => {
              const chart = mplaneDashboard.charts.traffic;
              const left = chart.valToPos(Date.parse('2015-02-27T23:00:00Z') / 1000, 'x');
              const right = chart.valToPos(Date.parse('2015-02-27T23:30:00Z') / 1000, 'x');
              document.body.dataset.state = 'zooming';
              chart.setSelect({ left, width: right - left, top: 0, height: chart.bbox.height / devicePixelRatio });
            })()
            """,
            cancellationToken);
        await WaitReadyAsync(page, cancellationToken);
        Assert.Contains("from=2015-02-27T23%3A00", await page.EvaluateAsync<string>("location.search", cancellationToken), StringComparison.Ordinal);
        var zoomed = await page.EvaluateAsync<double[]>("mplaneDashboard.charts.traffic.data[0]", cancellationToken);
        Assert.InRange(zoomed.Length, 5, 7); // the 5-minute bins of about half an hour
        Assert.All(zoomed, t => Assert.InRange(t, DashboardTestData.AlarmBin.ToUnixTimeSeconds() - 300, DashboardTestData.AlarmBin.ToUnixTimeSeconds() + 1800));

        Assert.True(page.Problems.Count == 0, "the pages reported problems:\n" + string.Join('\n', page.Problems));

        // The watch itself: a request the server refuses is reported, so the assertion above means something.
        var probe = await browser.NewPageAsync(cancellationToken);
        await probe.NavigateAsync(new Uri(address, "/dashboard/"), cancellationToken);
        await WaitReadyAsync(probe, cancellationToken);
        Assert.Equal(400, await probe.EvaluateAsync<int>("fetch('../status/series').then(response => response.status)", cancellationToken));
        for (var wait = 0; probe.Problems.Count == 0 && wait < 50; wait++)
        {
            await Task.Delay(100, cancellationToken); // the log entry is an event, which may follow the answer
        }

        Assert.Contains(probe.Problems, p => p.Contains("400", StringComparison.Ordinal));
    }

    private static Task WaitReadyAsync(BrowserPage page, CancellationToken cancellationToken) =>
        page.WaitForAsync(
            "document.readyState === 'complete' && document.body.dataset.state === 'ready'",
            "[document.body?.dataset.state, document.getElementById('problem')?.textContent]",
            PageTimeout,
            cancellationToken);

    private static async Task ScreenshotAsync(BrowserPage page, string name, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable("MPLANE_DASHBOARD_SCREENSHOTS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(Path.Combine(folder, name), cancellationToken);
        }
    }
}
