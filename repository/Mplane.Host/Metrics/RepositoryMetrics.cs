using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Npgsql;
using Prometheus;

namespace Mplane.Host.Metrics;

/// <summary>
/// One server's metrics: its own Prometheus registry (never the library's static default one, so two
/// servers in a process do not share or double-count), filled at each scrape from the database
/// (<see cref="DatabaseMetrics"/>) and from the process's <see cref="System.Diagnostics.Metrics"/>
/// instruments whose meter is named <c>Mplane</c> or <c>Mplane.*</c> (math_repo's bytes received,
/// when it runs in this process).
/// </summary>
public sealed class RepositoryMetrics : IDisposable
{
    /// <summary>The meter name (and prefix, before a dot) of the in-process instruments exposed.</summary>
    public const string MeterPrefix = "Mplane";

    /// <summary>
    /// How long a bridged series is kept without a new measurement. The adapter drops idle series by
    /// design and allows at most a day; these count rare events (a stream's bytes), so they are kept
    /// that long. A series dropped and measured again starts from 0, which Prometheus reads as a
    /// counter reset (rate() and increase() handle it).
    /// </summary>
    private static readonly TimeSpan BridgedSeriesLifetime = TimeSpan.FromDays(1);

    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly IDisposable _meters;

    /// <summary>Creates the registry; nothing is read until the first scrape.</summary>
    public RepositoryMetrics(NpgsqlDataSource dataSource, ILogger logger)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(_registry);
        var database = new DatabaseMetrics(factory, dataSource, logger);
        _registry.AddBeforeCollectCallback(database.RefreshAsync);
        _meters = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = _registry,

            // Both: in prometheus-net 8.2.1 the factory defaults to the static default registry's, and the
            // bridged series would land there (shared by every server in the process) whatever Registry says.
            MetricFactory = factory,
            InstrumentFilterPredicate = IsOurs,
            MetricsExpireAfter = BridgedSeriesLifetime,
        });
    }

    /// <summary>Whether <paramref name="instrument"/> belongs to the repository (its meter is <c>Mplane</c> or <c>Mplane.*</c>).</summary>
    public static bool IsOurs(Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        var name = instrument.Meter.Name;
        return name == MeterPrefix || name.StartsWith(MeterPrefix + ".", StringComparison.Ordinal);
    }

    /// <summary>Collects every metric and writes them to <paramref name="output"/> in Prometheus's text format (0.0.4).</summary>
    public Task WriteAsync(Stream output, CancellationToken cancellationToken) =>
        _registry.CollectAndExportAsTextAsync(output, ExpositionFormat.PrometheusText, cancellationToken);

    /// <summary>Stops listening to the process's instruments.</summary>
    public void Dispose() => _meters.Dispose();
}
