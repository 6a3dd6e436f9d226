using Prometheus;

namespace Mplane.Host.Metrics;

/// <summary>
/// A labelled metric family rewritten from the database on every scrape: after <see cref="End"/>,
/// exactly the series written since <see cref="Begin"/> are exposed, so a stream, job or module
/// that left the database leaves the scrape too, and a scrape without the database exposes none.
/// </summary>
internal abstract class RefreshedFamily
{
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    /// <summary>Starts a refresh.</summary>
    public void Begin() => _written.Clear();

    /// <summary>Ends a refresh: every series not written since <see cref="Begin"/> is removed.</summary>
    public void End()
    {
        foreach (var labels in Series().ToList())
        {
            if (!_written.Contains(Key(labels)))
            {
                Remove(labels);
            }
        }
    }

    /// <summary>Removes every series (the database could not be read).</summary>
    public void Clear()
    {
        Begin();
        End();
    }

    /// <summary>Records that the series with <paramref name="labels"/> was written in this refresh.</summary>
    protected void Written(string[] labels) => _written.Add(Key(labels));

    /// <summary>The label values of every series exposed now.</summary>
    protected abstract IEnumerable<string[]> Series();

    /// <summary>Removes one series.</summary>
    protected abstract void Remove(string[] labels);

    // A separator no label value of ours contains (names are validated identifiers, hosts and tags).
    private static string Key(string[] labels) => string.Join('\u001f', labels);
}

/// <summary>A gauge family refreshed from the database.</summary>
internal sealed class RefreshedGauge(Gauge gauge) : RefreshedFamily
{
    /// <summary>Sets the series with <paramref name="labels"/> to <paramref name="value"/>.</summary>
    public void Set(double value, params string[] labels)
    {
        gauge.WithLabels(labels).Set(value);
        Written(labels);
    }

    /// <inheritdoc />
    protected override IEnumerable<string[]> Series() => gauge.GetAllLabelValues();

    /// <inheritdoc />
    protected override void Remove(string[] labels) => gauge.WithLabels(labels).Remove();
}

/// <summary>
/// A counter family whose totals are kept in the database (every process adds to them there): each
/// scrape sets the series to the stored total.
/// </summary>
internal sealed class RefreshedCounter(Counter counter) : RefreshedFamily
{
    /// <summary>
    /// Sets the series with <paramref name="labels"/> to <paramref name="total"/>. A total below the one
    /// exposed (the database was reset or restored) starts the series again from zero, which
    /// Prometheus reads as a counter reset, as after a restart.
    /// </summary>
    public void Set(double total, params string[] labels)
    {
        var series = counter.WithLabels(labels);
        if (total < series.Value)
        {
            series.Remove();
            series = counter.WithLabels(labels);
        }

        series.IncTo(total);
        Written(labels);
    }

    /// <inheritdoc />
    protected override IEnumerable<string[]> Series() => counter.GetAllLabelValues();

    /// <inheritdoc />
    protected override void Remove(string[] labels) => counter.WithLabels(labels).Remove();
}
