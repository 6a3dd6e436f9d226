using Microsoft.Extensions.Logging;
using Mplane.Analysis;
using Npgsql;

namespace Mplane.Host.Hosting;

/// <summary>Anomaly detection: every interval, the bins the jobs closed since are evaluated, in order.</summary>
public sealed class AnalysisModule(NpgsqlDataSource dataSource, AnalysisSettings settings, TimeSpan interval, ILoggerFactory loggers)
    : PeriodicModule(interval)
{
    private readonly AnalysisRunner _runner = new(dataSource, settings, loggers.CreateLogger<AnalysisRunner>());

    /// <inheritdoc />
    public override string Name => "analysis";

    /// <inheritdoc />
    protected override Task RoundAsync(CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken);
}
