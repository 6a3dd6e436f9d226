using Mplane.Analysis;
using Mplane.Components.Runtime;
using Mplane.Protocol.Messages;
using Mplane.Testing;
using Xunit;

namespace Mplane.RepositoryProxy.Tests;

/// <summary>repository-anomalies over the alarm records of a real warehouse.</summary>
public sealed class AnomaliesServiceTests(WarehouseProxyFixture fixture) : IClassFixture<WarehouseProxyFixture>
{
    private static readonly DateTimeOffset Bin = new(2015, 2, 27, 23, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_alarms_of_the_scope_come_back_as_rows_with_their_contributors_and_state()
    {
        var store = new AlarmStore(fixture.Database.DataSource);
        await store.EnsureAsync(TestTimeout.Token);
        await store.WriteAsync(
            [
                new AlarmRecord(Bin, 300, "server_ip", "kl_refset", 0.9, 0.05, true, "ok", 12, null, null, 12, [new("10.0.0.1", 0.7, 0.6, 0.01), new("10.0.0.2", 0.1, 0.1, 0.05)], "{}"),
                new AlarmRecord(Bin, 300, "flows", "median_mad", 2, 5, false, "ok", 1000, null, null, 12, [], "{}"),
                new AlarmRecord(Bin.AddDays(2), 300, "domain", "kl_refset", 1.5, 0.05, true, "ok", 12, null, null, 12, [new("cdn.example", 1, 0.8, 0.1)], "{}"),
            ],
            TestTimeout.Token);
        await store.AcknowledgeAsync(Bin.AddDays(2), null, TestTimeout.Token);
        var service = new AnomaliesService(fixture.Database.DataSource, 100, WarehouseProxyFixture.Metadata);

        var day = await service.RunAsync(WarehouseServicesTests.Specify(service.Capability, "2015-02-27 00:00:00 ... 2015-02-28 00:00:00"), TestTimeout.Token);
        Assert.Equal(MessageKind.Result, day.Kind);
        Assert.Equal([["2015-02-27 23:00:00.000000", "server_ip", "kl_refset", "0.9", "0.05", "10.0.0.1,10.0.0.2", "open"]], day.ResultValues);

        var all = await service.RunAsync(WarehouseServicesTests.Specify(service.Capability, "past ... now"), TestTimeout.Token);
        Assert.Equal(["open", "acknowledged"], all.ResultValues.Select(r => r[6]));

        var tooMany = new AnomaliesService(fixture.Database.DataSource, 1, WarehouseProxyFixture.Metadata);
        var refused = await Assert.ThrowsAsync<ServiceException>(() => tooMany.RunAsync(WarehouseServicesTests.Specify(service.Capability, "past ... now"), TestTimeout.Token));
        Assert.Contains("more than 1 alarms", refused.Message, StringComparison.Ordinal);
    }
}
