using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Mplane.Analysis;
using Mplane.Host.Modules;
using Mplane.LogFormats.Scanning;
using Mplane.Testing;
using Mplane.Warehouse.Import;
using Mplane.Warehouse.Jobs;
using Npgsql;

namespace Mplane.Host.Tests;

public sealed class MetricsTests : IAsyncLifetime
{
    private const string Stream = "public.log_tcp_complete";
    private TestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("metrics", TestTimeout.Token);
        await SampleWarehouse.ImportSamplesAsync(_database, TestTimeout.Token);
        var flows = SampleWarehouse.Jobs("flows_5min")[0];
        await SampleWarehouse.RunAsync(_database, [flows, SampleWarehouse.Broken(flows)], TestTimeout.Token);

        var bin = new DateTimeOffset(2015, 2, 27, 23, 0, 0, TimeSpan.Zero);
        await new AlarmStore(_database.DataSource).WriteAsync(
            [
                new AlarmRecord(bin, 300, "server_ip", "kl_refset", 0.9, 0.05, true, "ok", 12, bin.AddHours(-1), bin, 12, [new("10.0.0.1", 0.7, 0.6, 0.01)], "{}"),
                new AlarmRecord(bin.AddMinutes(5), 300, "server_ip", "kl_refset", 0.01, 0.05, false, "ok", 12, null, null, 0, [], "{}"),
            ],
            TestTimeout.Token);
        var modules = new ModuleStates(_database.DataSource);
        await modules.EnsureAsync(TestTimeout.Token);
        await modules.ReportAsync("scheduler", "repo-1:4242", ModuleState.Running, null, 0, TestTimeout.Token);
        // A label value with every character the format must escape: quote, backslash, line feed.
        await modules.ReportAsync("importer", "odd \"host\"\\1\nx", ModuleState.Restarting, "disk full", 1, TestTimeout.Token);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task The_scrape_is_strict_prometheus_text_with_the_database_counts()
    {
        var app = StatusServer.Build(_database.DataSource, port: 0);
        await app.StartAsync(TestTimeout.Token);
        try
        {
            using var http = new HttpClient { BaseAddress = StatusServer.Address(app) };
            using var response = await http.GetAsync("/metrics", TestTimeout.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
            var scrape = PrometheusText.Parse(await response.Content.ReadAsStringAsync(TestTimeout.Token));

            // Every family of ours is named by the conventions, explained and typed.
            var ours = scrape.Types.Keys.Where(n => n.StartsWith("mplane_", StringComparison.Ordinal)).ToList();
            Assert.True(ours.Count >= 30, string.Join(", ", ours));
            Assert.All(ours, name =>
            {
                Assert.True(scrape.Help.TryGetValue(name, out var help) && help.Length > 10, $"{name} has no help");
                Assert.Equal(scrape.Types[name] == "counter", name.EndsWith("_total", StringComparison.Ordinal));
            });

            Assert.Equal(1, scrape.Value("mplane_database_up"));
            Assert.Equal(495, scrape.Value("mplane_import_rows_total", ("stream", Stream)));
            Assert.Equal(3, scrape.Value("mplane_import_files_total", ("stream", Stream)));
            Assert.Equal(0, scrape.Value("mplane_import_rejected_rows_total", ("stream", Stream)));
            Assert.True(scrape.Value("mplane_import_bytes_total", ("stream", Stream)) > 0);
            Assert.True(scrape.Value("mplane_import_lag_seconds", ("stream", Stream)) > 0); // the samples are from 2015
            Assert.Equal(new DateTimeOffset(2015, 2, 28, 0, 35, 0, TimeSpan.Zero).ToUnixTimeSeconds(), scrape.Value("mplane_import_complete_before_timestamp_seconds", ("stream", Stream)));

            Assert.Equal(25, scrape.Value("mplane_job_runs_total", ("job", "flows_5min"))); // the windows from 22:30 to 00:30
            Assert.Equal(0, scrape.Value("mplane_job_errors_total", ("job", "flows_5min")));
            Assert.True(scrape.Value("mplane_job_run_seconds_total", ("job", "flows_5min")) > 0);
            Assert.True(scrape.Value("mplane_job_last_duration_seconds", ("job", "flows_5min")) > 0);
            Assert.Equal(25, scrape.Value("mplane_job_windows_computed", ("job", "flows_5min")));
            Assert.Equal(0, scrape.Value("mplane_job_windows_ready", ("job", "flows_5min")));
            Assert.Equal(0, scrape.Value("mplane_job_running", ("job", "flows_5min")));
            Assert.True(scrape.Value("mplane_job_lag_seconds", ("job", "flows_5min")) > 0);
            Assert.Equal(1, scrape.Value("mplane_job_runs_total", ("job", "broken")));
            Assert.Equal(1, scrape.Value("mplane_job_errors_total", ("job", "broken")));
            Assert.Equal(1, scrape.Value("mplane_job_failures", ("job", "broken")));
            // The queue agrees with the scheduler: the broken job has the same inputs as the one that ran its 25 windows.
            Assert.Equal(25, scrape.Value("mplane_job_windows_ready", ("job", "broken")));
            Assert.Null(scrape.Value("mplane_job_lag_seconds", ("job", "broken"))); // it never completed a window: no value rather than 0

            Assert.Equal(495, scrape.Value("mplane_table_rows", ("table", Stream)));
            Assert.Equal(3, scrape.Value("mplane_table_partitions", ("table", Stream)));
            Assert.Equal(1, scrape.Value("mplane_alarms_open", ("detector", "kl_refset"), ("feature", "server_ip")));

            (string, string)[] scheduler = [("module", "scheduler"), ("process", "repo-1:4242")];
            Assert.Equal(1, scrape.Value("mplane_module_up", scheduler));
            Assert.Equal(1, scrape.Value("mplane_module_state", [.. scheduler, ("state", "running")]));
            Assert.Equal(0, scrape.Value("mplane_module_state", [.. scheduler, ("state", "stopped")]));
            Assert.Equal(0, scrape.Value("mplane_module_restarts_total", scheduler));
            Assert.Equal(0, scrape.Value("mplane_module_lost", scheduler));
            (string, string)[] importer = [("module", "importer"), ("process", "odd \"host\"\\1\nx")];
            Assert.Equal(0, scrape.Value("mplane_module_up", importer));
            Assert.Equal(1, scrape.Value("mplane_module_restarts_total", importer));
            Assert.Equal(1, scrape.Value("mplane_module_state", [.. importer, ("state", "restarting")]));

            Assert.Equal(0, scrape.Value("mplane_cquery_queries", ("state", "running")));
            Assert.True(scrape.Value("mplane_database_read_seconds") > 0);

            // A second scrape reads the same totals: nothing is counted twice.
            var again = PrometheusText.Parse(await http.GetStringAsync("/metrics", TestTimeout.Token));
            Assert.Equal(495, again.Value("mplane_import_rows_total", ("stream", Stream)));
            Assert.Equal(25, again.Value("mplane_job_runs_total", ("job", "flows_5min")));

            // What left the database leaves the scrape.
            await _database.ExecuteAsync("DELETE FROM mplane.modules WHERE module = 'importer'");
            var later = PrometheusText.Parse(await http.GetStringAsync("/metrics", TestTimeout.Token));
            Assert.DoesNotContain(later.Samples, s => s.Labels.GetValueOrDefault("module") == "importer");
            Assert.Equal(1, later.Value("mplane_module_up", scheduler));
        }
        finally
        {
            await app.StopAsync(TestTimeout.Token);
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Instruments_of_Mplane_meters_are_bridged_and_others_are_not()
    {
        var app = StatusServer.Build(_database.DataSource, port: 0);
        await app.StartAsync(TestTimeout.Token);
        try
        {
            // Meter names of this test alone: other tests' servers in this process listen too.
            using var ours = new Meter("Mplane.Tests.Bridge");
            using var theirs = new Meter("Other.Tests.Bridge");
            ours.CreateCounter<long>("received_bytes", "By", "Bytes received in the test.").Add(1234, new KeyValuePair<string, object?>("stream", "log_tcp_complete"));
            theirs.CreateCounter<long>("received_bytes").Add(5);

            using var http = new HttpClient { BaseAddress = StatusServer.Address(app) };
            var scrape = PrometheusText.Parse(await http.GetStringAsync("/metrics", TestTimeout.Token));
            Assert.Equal(1234, scrape.Value("mplane_tests_bridge_received_bytes", ("stream", "log_tcp_complete")));
            Assert.Contains("Bytes received in the test.", scrape.Help["mplane_tests_bridge_received_bytes"], StringComparison.Ordinal);
            Assert.DoesNotContain(scrape.Samples, s => s.Name.StartsWith("other_tests", StringComparison.Ordinal));
        }
        finally
        {
            await app.StopAsync(TestTimeout.Token);
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_database_that_is_down_leaves_its_metrics_out_and_the_scrape_answers()
    {
        // A port nothing listens on: the connection is refused at once.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var down = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=nobody;Password=none;Database=none;Timeout=5");

        var app = StatusServer.Build(down, port: 0);
        await app.StartAsync(TestTimeout.Token);
        try
        {
            using var http = new HttpClient { BaseAddress = StatusServer.Address(app) };
            using var response = await http.GetAsync("/metrics", TestTimeout.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var scrape = PrometheusText.Parse(await response.Content.ReadAsStringAsync(TestTimeout.Token));
            Assert.Equal(0, scrape.Value("mplane_database_up"));
            Assert.DoesNotContain(scrape.Samples, s => s.Name.StartsWith("mplane_import_", StringComparison.Ordinal) || s.Name.StartsWith("mplane_job_", StringComparison.Ordinal));
        }
        finally
        {
            await app.StopAsync(TestTimeout.Token);
            await app.DisposeAsync();
        }
    }
}
