using Mplane.Testing;
using Mplane.Warehouse.Jobs;

namespace Mplane.Warehouse.Tests;

public sealed class SchedulerTests
{
    [Fact]
    public async Task Every_window_is_computed_once_in_order_and_the_rollup_adds_up()
    {
        await using var w = await WarehouseFixture.CreateAsync("sched", TimeSpan.FromHours(2));
        await w.ImportAsync(w.Files, complete: true);
        var jobs = WarehouseFixture.ExampleJobs("flows_5min", "traffic_hourly", "top_ports_5min");
        var scheduler = w.Scheduler(jobs);
        await scheduler.PrepareAsync(TestTimeout.Token);
        var runs = await scheduler.RunUntilIdleAsync(TestTimeout.Token);

        Assert.Equal(24 + 24 + 2, runs.Count);
        foreach (var job in runs.GroupBy(r => r.Job))
        {
            var windows = job.Select(r => r.WindowStart).ToList();
            Assert.Equal(windows.Order(), windows); // chronological within a job
            Assert.Equal(windows.Count, windows.Distinct().Count());
        }

        Assert.Equal(w.Flows, await w.Database.ScalarAsync<long>("SELECT sum(flows)::bigint FROM flows_5min"));
        Assert.Equal(24L, await w.Database.ScalarAsync<long>("SELECT count(*) FROM flows_5min"));
        Assert.Equal(w.Flows, await w.Database.ScalarAsync<long>("SELECT total_flows FROM traffic_hourly ORDER BY serial_time DESC LIMIT 1"));
        Assert.Equal(
            await w.Database.ScalarAsync<long>("SELECT flows FROM traffic_hourly ORDER BY serial_time LIMIT 1"),
            await w.Database.ScalarAsync<long>("SELECT sum(flows)::bigint FROM flows_5min WHERE serial_time < '2015-02-27T19:00:00Z'"));
        Assert.Equal(0L, await w.Database.ScalarAsync<long>("SELECT count(*) FROM mplane.job_runs WHERE error IS NOT NULL"));

        // Nothing is left to run, and running again changes nothing.
        Assert.Empty(await scheduler.RunUntilIdleAsync(TestTimeout.Token));
    }

    [Fact]
    public async Task A_window_waits_until_its_input_is_complete()
    {
        await using var w = await WarehouseFixture.CreateAsync("wait", TimeSpan.FromMinutes(30));
        var jobs = WarehouseFixture.ExampleJobs("flows_5min");
        var scheduler = w.Scheduler(jobs);
        await scheduler.PrepareAsync(TestTimeout.Token);

        await w.ImportAsync(w.Files.Take(3));
        var first = await scheduler.RunUntilIdleAsync(TestTimeout.Token);
        Assert.Equal(2, first.Count); // the third file's window may still get more files

        await w.ImportAsync(w.Files.Skip(3), complete: true);
        var rest = await scheduler.RunUntilIdleAsync(TestTimeout.Token);
        Assert.Equal(4, rest.Count);
        Assert.Equal(w.Flows, await w.Database.ScalarAsync<long>("SELECT sum(flows)::bigint FROM flows_5min"));
    }

    [Fact]
    public async Task A_late_file_recomputes_the_windows_it_touches_and_their_dependents_in_order()
    {
        await using var w = await WarehouseFixture.CreateAsync("late", TimeSpan.FromHours(2));
        var jobs = WarehouseFixture.ExampleJobs("flows_5min", "traffic_hourly");
        var scheduler = w.Scheduler(jobs);
        await scheduler.PrepareAsync(TestTimeout.Token);

        var missing = w.Files[4]; // 18:20
        await w.ImportAsync(w.Files.Where(f => f != missing), complete: true);
        await scheduler.RunUntilIdleAsync(TestTimeout.Token);
        Assert.Equal(0L, await w.Database.ScalarAsync<long>("SELECT flows FROM flows_5min WHERE serial_time = '2015-02-27T18:20:00Z'"));
        var hourlyBefore = await w.Database.ScalarAsync<long>("SELECT flows FROM traffic_hourly ORDER BY serial_time LIMIT 1");

        await w.ImportAsync([missing]);
        Assert.Equal(1L, await w.Database.ScalarAsync<long>("SELECT count(*) FROM mplane.recompute WHERE job = 'flows_5min'"));
        var again = await scheduler.RunUntilIdleAsync(TestTimeout.Token);

        // The 5-minute window, the hour over it, then the next hour, whose running total reads the first (__PREV).
        Assert.Equal(
            [("flows_5min", new DateTimeOffset(2015, 2, 27, 18, 20, 0, TimeSpan.Zero)), ("traffic_hourly", WarehouseFixture.Start), ("traffic_hourly", WarehouseFixture.Start.AddHours(1))],
            again.Select(r => (r.Job, r.WindowStart)));
        Assert.All(again, r => Assert.True(r.Recompute));
        Assert.True(await w.Database.ScalarAsync<long>("SELECT flows FROM flows_5min WHERE serial_time = '2015-02-27T18:20:00Z'") > 0);
        Assert.True(await w.Database.ScalarAsync<long>("SELECT flows FROM traffic_hourly ORDER BY serial_time LIMIT 1") > hourlyBefore);
        Assert.Equal(w.Flows, await w.Database.ScalarAsync<long>("SELECT total_flows FROM traffic_hourly ORDER BY serial_time DESC LIMIT 1"));
        Assert.Equal(24L, await w.Database.ScalarAsync<long>("SELECT count(*) FROM flows_5min")); // replaced, not duplicated
    }

    [Fact]
    public async Task A_restart_resumes_where_it_stopped()
    {
        await using var w = await WarehouseFixture.CreateAsync("restart", TimeSpan.FromMinutes(30));
        await w.ImportAsync(w.Files, complete: true);
        var jobs = WarehouseFixture.ExampleJobs("flows_5min");

        var first = w.Scheduler(jobs);
        await first.PrepareAsync(TestTimeout.Token);
        Assert.Single(await first.RunRoundAsync(TestTimeout.Token));
        Assert.Single(await first.RunRoundAsync(TestTimeout.Token));

        var second = w.Scheduler(WarehouseFixture.ExampleJobs("flows_5min")); // a new process, same database
        await second.PrepareAsync(TestTimeout.Token);
        var rest = await second.RunUntilIdleAsync(TestTimeout.Token);
        Assert.Equal(Enumerable.Range(2, 4).Select(i => WarehouseFixture.Start.AddMinutes(5 * i)), rest.Select(r => r.WindowStart));
        Assert.Equal(6L, await w.Database.ScalarAsync<long>("SELECT count(*) FROM mplane.job_runs"));
    }

    [Fact]
    public async Task Two_schedulers_on_one_database_never_run_the_same_window()
    {
        await using var w = await WarehouseFixture.CreateAsync("twosched", TimeSpan.FromHours(1));
        await w.ImportAsync(w.Files, complete: true);
        var jobs = WarehouseFixture.ExampleJobs("flows_5min", "clients_5min", "top_ports_5min");
        var a = w.Scheduler(jobs, new SchedulerOptions { Parallelism = 3 });
        var b = w.Scheduler(jobs, new SchedulerOptions { Parallelism = 3 });
        await a.PrepareAsync(TestTimeout.Token);

        var both = await Task.WhenAll(a.RunUntilIdleAsync(TestTimeout.Token), b.RunUntilIdleAsync(TestTimeout.Token));
        var all = both.SelectMany(r => r).ToList();
        Assert.Equal(36, all.Count);
        Assert.Equal(36, all.Select(r => (r.Job, r.WindowStart)).Distinct().Count());
        Assert.Equal(36L, await w.Database.ScalarAsync<long>("SELECT count(DISTINCT (job, window_start)) FROM mplane.job_runs WHERE error IS NULL"));
        Assert.Equal(36L, await w.Database.ScalarAsync<long>("SELECT count(*) FROM mplane.job_runs"));
        Assert.Equal(w.Flows, await w.Database.ScalarAsync<long>("SELECT sum(flows)::bigint FROM flows_5min"));
    }

    [Fact]
    public async Task Independent_jobs_run_in_parallel_and_the_strategy_orders_them()
    {
        await using var w = await WarehouseFixture.CreateAsync("strategy", TimeSpan.FromMinutes(30));
        await w.ImportAsync(w.Files, complete: true);
        var jobs = WarehouseFixture.ExampleJobs("flows_5min", "clients_5min");
        var parallel = w.Scheduler(jobs, new SchedulerOptions { Parallelism = 2 });
        await parallel.PrepareAsync(TestTimeout.Token);
        var round = await parallel.RunRoundAsync(TestTimeout.Token);
        Assert.Equal(["clients_5min", "flows_5min"], round.Select(r => r.Job).Order());

        // flows_5min is now one window ahead: fifo picks clients_5min (older window), freshness flows_5min (newer).
        await parallel.RunRoundAsync(TestTimeout.Token);
        var oneMore = w.Scheduler([jobs.Single(j => j.Name == "flows_5min")], new SchedulerOptions { Parallelism = 1 });
        await oneMore.RunRoundAsync(TestTimeout.Token);
        var fifo = await w.Scheduler(jobs, new SchedulerOptions { Parallelism = 1, Strategy = SchedulingStrategy.Fifo }).RunRoundAsync(TestTimeout.Token);
        Assert.Equal("clients_5min", Assert.Single(fifo).Job);
        await w.Scheduler([jobs.Single(j => j.Name == "flows_5min")], new SchedulerOptions { Parallelism = 1 }).RunRoundAsync(TestTimeout.Token);
        var fresh = await w.Scheduler(jobs, new SchedulerOptions { Parallelism = 1, Strategy = SchedulingStrategy.Freshness }).RunRoundAsync(TestTimeout.Token);
        Assert.Equal("flows_5min", Assert.Single(fresh).Job);
    }

    [Fact]
    public async Task A_failing_job_is_logged_and_retried_later_while_others_go_on()
    {
        await using var w = await WarehouseFixture.CreateAsync("fail", TimeSpan.FromMinutes(15));
        await w.ImportAsync(w.Files, complete: true);
        var bad = WarehouseFixture.ExampleJobs("flows_5min")[0] with { Name = "outside", Output = new(Sql.Identifier.Of("public"), Sql.Identifier.Of("outside")), Query = "SELECT __ENDTS, 1, 1, 1" };
        var good = WarehouseFixture.ExampleJobs("clients_5min")[0];
        var scheduler = w.Scheduler([bad, good]);
        await scheduler.PrepareAsync(TestTimeout.Token);
        var runs = await scheduler.RunUntilIdleAsync(TestTimeout.Token);

        Assert.All(runs, r => Assert.Equal("clients_5min", r.Job));
        Assert.Equal(3, runs.Count);
        Assert.Contains("produced rows outside its window", await w.Database.ScalarAsync<string>("SELECT last_error FROM mplane.jobs WHERE name = 'outside'"), StringComparison.Ordinal);
        Assert.Equal(0L, await w.Database.ScalarAsync<long>("SELECT count(*) FROM outside"));
        Assert.True(await w.Database.ScalarAsync<bool>("SELECT retry_after > now() FROM mplane.jobs WHERE name = 'outside'"));
    }
}
