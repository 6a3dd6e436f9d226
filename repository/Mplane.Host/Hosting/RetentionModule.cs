using Microsoft.Extensions.Logging;
using Mplane.Warehouse.Retention;
using Npgsql;

namespace Mplane.Host.Hosting;

/// <summary>Retention: every interval, the oldest partitions beyond each table's age or size are dropped (never ones a job still needs).</summary>
public sealed class RetentionModule(NpgsqlDataSource dataSource, IReadOnlyList<RetentionPolicy> policies, TimeSpan interval, ILogger<RetentionModule> logger)
    : PeriodicModule(interval)
{
    /// <inheritdoc />
    public override string Name => "retention";

    /// <inheritdoc />
    protected override async Task RoundAsync(CancellationToken cancellationToken)
    {
        foreach (var dropped in await RetentionRunner.RunAsync(dataSource, policies, cancellationToken).ConfigureAwait(false))
        {
            logger.LogInformation("Dropped {Table} window {Window:yyyy-MM-dd HH:mm} ({Bytes} bytes): {Reason}", dropped.Table, dropped.WindowStart, dropped.Bytes, dropped.Reason);
        }
    }
}
