namespace Mplane.Host.Dashboard;

/// <summary>
/// A plot's data as the dashboard's API answers it: one time axis and lines of values on it. It is
/// uPlot's own layout (columns, times in Unix seconds), so the page hands it to the chart unchanged,
/// and a line's value is null where it has none (a gap, never an invented zero).
/// </summary>
/// <param name="Table">The table plotted, <c>schema.table</c>.</param>
/// <param name="WindowSeconds">The table's window.</param>
/// <param name="StepSeconds">The bucket of one point: the window, or a multiple of it for long ranges.</param>
/// <param name="Aggregate">How a bucket of several windows is reduced (<c>avg</c>, <c>max</c>, <c>min</c>, <c>sum</c>); a window's own value is the sum of its rows.</param>
/// <param name="From">The start of the range.</param>
/// <param name="To">The end of the range (excluded).</param>
/// <param name="First">Where the table's data starts (its oldest partition), for the page's range control; null without data.</param>
/// <param name="Last">Where it ends (its newest partition's end); null without data.</param>
/// <param name="Time">Each point's bucket start, in Unix seconds, ascending.</param>
/// <param name="Series">The lines, each with one value per time.</param>
public sealed record TimeSeries(
    string Table, long WindowSeconds, long StepSeconds, string Aggregate, DateTimeOffset From, DateTimeOffset To,
    DateTimeOffset? First, DateTimeOffset? Last, IReadOnlyList<long> Time, IReadOnlyList<SeriesLine> Series);

/// <summary>One line of a <see cref="TimeSeries"/>.</summary>
/// <param name="Name">A column's name, or for a top-N plot the key's value (a port, an address).</param>
/// <param name="Values">One value per time of the series; null where there is none.</param>
public sealed record SeriesLine(string Name, IReadOnlyList<double?> Values);
