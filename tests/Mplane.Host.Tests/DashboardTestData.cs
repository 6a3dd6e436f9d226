using Mplane.Analysis;
using Mplane.LogFormats.Scanning;
using Mplane.Testing;
using Mplane.Warehouse.Import;
using Mplane.Warehouse.Jobs;

namespace Mplane.Host.Tests;

/// <summary>
/// What the dashboard's tests look at: a database with the Tstat samples imported (495 flows from
/// 2015-02-27 22:30 to 2015-02-28 00:35 UTC), the three views the plots read computed by the
/// scheduler, and one alarm, so that the markers are drawn.
/// </summary>
internal static class DashboardTestData
{
    /// <summary>The jobs whose views the plots page shows.</summary>
    public static readonly string[] Jobs = ["flows_5min", "clients_5min", "top_ports_5min"];

    /// <summary>The bin of the alarm written: 23:00 UTC, inside the samples.</summary>
    public static readonly DateTimeOffset AlarmBin = new(2015, 2, 27, 23, 0, 0, TimeSpan.Zero);

    /// <summary>The alarm's top contributor.</summary>
    public const string AlarmContributor = "443";

    /// <summary>Creates the database and fills it.</summary>
    public static async Task<TestDatabase> CreateAsync(string purpose, CancellationToken cancellationToken)
    {
        var database = await TestDatabase.CreateAsync(purpose, cancellationToken);
        try
        {
            await SampleWarehouse.ImportSamplesAsync(database, cancellationToken);
            await SampleWarehouse.RunAsync(database, SampleWarehouse.Jobs(Jobs), cancellationToken);

            var alarms = new AlarmStore(database.DataSource);
            await alarms.EnsureAsync(cancellationToken);
            await alarms.WriteAsync(
                [
                    new AlarmRecord(AlarmBin, 300, "server_port", "kl_refset", 0.9, 0.05, true, "ok", 12, AlarmBin.AddHours(-1), AlarmBin, 12, [new(AlarmContributor, 0.7, 0.6, 0.01)], "{}"),
                    new AlarmRecord(AlarmBin.AddMinutes(5), 300, "server_port", "kl_refset", 0.01, 0.05, false, "ok", 12, null, null, 0, [], "{}"),
                ],
                cancellationToken);
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }
}
