using Mplane.Configuration;
using Mplane.Testing;
using Mplane.Warehouse.Jobs;
using Mplane.Warehouse.Retention;
using Mplane.Warehouse.Sql;

namespace Mplane.Warehouse.Tests;

public sealed class RetentionTests
{
    private static readonly QualifiedName Stream = new(Identifier.Of("public"), Identifier.Of("log_tcp_complete"));

    [Theory]
    [InlineData("10 G", "'10 G' is not a size")]
    [InlineData("10GiBs", "'10GiBs' is not a size")]
    [InlineData("", "'' is not a size")]
    [InlineData("0 GB", "'0 GB' is not a usable quota")]
    [InlineData("ten GB", "'ten GB' is not a size")]
    public void A_malformed_quota_is_a_configuration_error_never_zero(string size, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => RetentionPolicy.FromConfiguration(
            [new RetentionSection { Table = "log_tcp_complete", MaxSize = size }], "conf/repository.yaml"));
        Assert.Equal("retention[0].max_size", error.Key);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("conf/repository.yaml: retention[0].max_size:", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10 GB", 10L << 30)]
    [InlineData("500MB", 500L << 20)]
    [InlineData("1.5 KiB", 1536)]
    [InlineData("2 TB", 2L << 40)]
    public void Sizes_are_binary_multiples(string size, long bytes) =>
        Assert.Equal(bytes, RetentionPolicy.FromConfiguration([new RetentionSection { Table = "t", MaxSize = size }], "x")[0].MaxBytes);

    [Fact]
    public void Other_retention_mistakes_name_their_key()
    {
        Assert.Equal("retention[0]", Assert.Throws<ConfigurationException>(() => RetentionPolicy.FromConfiguration([new RetentionSection { Table = "t" }], "x")).Key);
        Assert.Equal("retention[0].max_age", Assert.Throws<ConfigurationException>(() => RetentionPolicy.FromConfiguration([new RetentionSection { Table = "t", MaxAge = "forever" }], "x")).Key);
        Assert.Equal("retention[0].table", Assert.Throws<ConfigurationException>(() => RetentionPolicy.FromConfiguration([new RetentionSection { Table = "x;drop", MaxAge = "1d" }], "x")).Key);
    }

    [Fact]
    public async Task Old_partitions_go_by_age_and_by_size_oldest_first()
    {
        await using var w = await WarehouseFixture.CreateAsync("retention", TimeSpan.FromHours(1));
        await w.ImportAsync(w.Files, complete: true);

        var byAge = await RetentionRunner.RunAsync(w.Database.DataSource, [new RetentionPolicy(Stream, TimeSpan.FromMinutes(30), null)], TestTimeout.Token);
        Assert.Equal(6, byAge.Count); // windows ending at or before 18:30, 30 minutes before the newest data (19:00)
        Assert.All(byAge, d => Assert.Equal("age", d.Reason));
        Assert.Equal(WarehouseFixture.Start, byAge[0].WindowStart);
        Assert.Equal(new DateTime(2015, 2, 27, 18, 30, 0, DateTimeKind.Utc), await w.Database.ScalarAsync<DateTime>("SELECT min(serial_time) FROM log_tcp_complete"));
        Assert.Equal(6L, await w.Database.ScalarAsync<long>("SELECT count(*) FROM mplane.partitions"));

        var sizes = await w.Database.ScalarAsync<long>("SELECT sum(pg_total_relation_size(('public.' || partition_name)::regclass))::bigint FROM mplane.partitions");
        var bySize = await RetentionRunner.RunAsync(w.Database.DataSource, [new RetentionPolicy(Stream, null, sizes / 2)], TestTimeout.Token);
        Assert.InRange(bySize.Count, 3, 4);
        Assert.All(bySize, d => Assert.Equal("size", d.Reason));
        Assert.True(await w.Database.ScalarAsync<long>("SELECT sum(pg_total_relation_size(('public.' || partition_name)::regclass))::bigint FROM mplane.partitions") <= sizes / 2);
    }

    [Fact]
    public async Task A_job_reading_a_long_slice_keeps_the_whole_slice_of_its_next_window()
    {
        await using var w = await WarehouseFixture.CreateAsync("retslice", TimeSpan.FromHours(1));
        await w.ImportAsync(w.Files, complete: true);
        var flows = WarehouseFixture.ExampleJobs("flows_5min")[0];
        var rolling = flows with
        {
            Name = "rolling_hour",
            Output = new(Identifier.Of("public"), Identifier.Of("rolling_hour")),
            Inputs = [flows.Inputs[0] with { Slice = TimeSpan.FromHours(1) }],
            Start = WarehouseFixture.Start.AddMinutes(30),
        };
        var scheduler = w.Scheduler([rolling]);
        await scheduler.PrepareAsync(TestTimeout.Token);
        await scheduler.RunRoundAsync(TestTimeout.Token); // 18:30 done; 18:35 next, reading [17:40, 18:40)

        var dropped = await RetentionRunner.RunAsync(w.Database.DataSource, [new RetentionPolicy(Stream, TimeSpan.FromMinutes(1), null)], TestTimeout.Token);
        Assert.Empty(dropped);
    }

    [Fact]
    public async Task A_partition_is_never_dropped_before_the_jobs_reading_it_have_computed_it()
    {
        await using var w = await WarehouseFixture.CreateAsync("retsafe", TimeSpan.FromHours(1));
        await w.ImportAsync(w.Files, complete: true);
        var scheduler = w.Scheduler(WarehouseFixture.ExampleJobs("flows_5min"));
        await scheduler.PrepareAsync(TestTimeout.Token);
        for (var i = 0; i < 4; i++)
        {
            await scheduler.RunRoundAsync(TestTimeout.Token); // computed through 18:20
        }

        var dropped = await RetentionRunner.RunAsync(w.Database.DataSource, [new RetentionPolicy(Stream, TimeSpan.FromMinutes(30), null)], TestTimeout.Token);
        Assert.Equal(4, dropped.Count);
        Assert.Equal(new DateTime(2015, 2, 27, 18, 20, 0, DateTimeKind.Utc), await w.Database.ScalarAsync<DateTime>("SELECT min(serial_time) FROM log_tcp_complete"));

        // Pending recomputation holds everything.
        await w.Database.ExecuteAsync("INSERT INTO mplane.recompute (job, window_start, reason) VALUES ('flows_5min', '2015-02-27T18:00:00Z', 'test')");
        await scheduler.RunRoundAsync(TestTimeout.Token); // recomputes 18:00 first
        await w.Database.ExecuteAsync("INSERT INTO mplane.recompute (job, window_start, reason) VALUES ('flows_5min', '2015-02-27T18:05:00Z', 'test')");
        Assert.Empty(await RetentionRunner.RunAsync(w.Database.DataSource, [new RetentionPolicy(Stream, TimeSpan.FromMinutes(1), null)], TestTimeout.Token));
    }

    [Fact]
    public async Task A_late_file_for_a_window_retention_dropped_is_refused_and_views_are_left_alone()
    {
        await using var w = await WarehouseFixture.CreateAsync("rethorizon", TimeSpan.FromHours(1));
        await w.ImportAsync(w.Files, complete: true);
        var scheduler = w.Scheduler(WarehouseFixture.ExampleJobs("flows_5min"));
        await scheduler.PrepareAsync(TestTimeout.Token);
        await scheduler.RunUntilIdleAsync(TestTimeout.Token);
        var views = await w.Database.ScalarAsync<long>("SELECT sum(flows)::bigint FROM flows_5min");

        var flows = new QualifiedName(Identifier.Of("public"), Identifier.Of("flows_5min"));
        await RetentionRunner.RunAsync(
            w.Database.DataSource, [new RetentionPolicy(Stream, TimeSpan.FromMinutes(30), null), new RetentionPolicy(flows, TimeSpan.FromMinutes(15), null)], TestTimeout.Token);
        Assert.Equal(new DateTime(2015, 2, 27, 18, 30, 0, DateTimeKind.Utc), await w.Database.ScalarAsync<DateTime>("SELECT retained_from FROM mplane.tables WHERE table_name = 'log_tcp_complete'"));
        Assert.Equal(new DateTime(2015, 2, 27, 18, 45, 0, DateTimeKind.Utc), await w.Database.ScalarAsync<DateTime>("SELECT retained_from FROM mplane.tables WHERE table_name = 'flows_5min'"));
        var viewsKept = await w.Database.ScalarAsync<long>("SELECT sum(flows)::bigint FROM flows_5min");

        // A late file (other content, other name) for 18:10, which base retention dropped: refused, nothing recreated.
        using var late = new TemporaryDirectory("late");
        var dropped = LateCopy(late, w.Files[2], "2015_02_27_18_10.out");
        var error = await Assert.ThrowsAsync<Import.ImportException>(() => w.ImportAsync([dropped]));
        Assert.Contains(dropped, error.Message, StringComparison.Ordinal);
        Assert.Contains("before its retention horizon (2015-02-27 18:30:00 UTC)", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await w.Database.ScalarAsync<long>("SELECT count(*) FROM log_tcp_complete WHERE serial_time < '2015-02-27T18:30:00Z'"));
        Assert.Equal(0L, await w.Database.ScalarAsync<long>("SELECT count(*) FROM mplane.imports WHERE path = $1", dropped));

        // A late file for 18:35: the base table keeps it, but the view's 18:35 window is gone too and is not recomputed.
        var kept = LateCopy(late, w.Files[7], "2015_02_27_18_35.out");
        await w.ImportAsync([kept]);
        Assert.Equal(0L, await w.Database.ScalarAsync<long>("SELECT count(*) FROM mplane.recompute"));
        await scheduler.RunUntilIdleAsync(TestTimeout.Token);
        Assert.Equal(0L, await w.Database.ScalarAsync<long>("SELECT count(*) FROM flows_5min WHERE serial_time < '2015-02-27T18:45:00Z'"));
        Assert.Equal(viewsKept, await w.Database.ScalarAsync<long>("SELECT sum(flows)::bigint FROM flows_5min"));
        Assert.True(viewsKept < views);
    }

    /// <summary>The header and first two rows of <paramref name="source"/>, as a late file for the window folder <paramref name="window"/>.</summary>
    private static string LateCopy(TemporaryDirectory directory, string source, string window)
    {
        var path = directory.Combine(window, "log_tcp_complete");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, File.ReadLines(source).Take(3));
        return path;
    }
}
