using System.Collections.Frozen;
using Mplane.Warehouse.Sql;
using Mplane.Warehouse.Tables;
using Npgsql;

namespace Mplane.Host.Dashboard;

/// <summary>
/// Reads plots from continuous tables. A window's value is the sum of the column over the window's
/// rows (a view such as <c>flows_5min</c> has one row per window, so it is the row's value; a base
/// table's rows are added up); a point of several windows reduces them with the chosen aggregate,
/// <c>avg</c> by default so that a value keeps its unit ("flows per 5 minutes") at every zoom level.
/// The SQL text holds only names checked against the catalogue (<see cref="PlottableTable"/>) and
/// fixed function names; times, steps and limits go as parameters.
/// </summary>
internal static class SeriesReader
{
    /// <summary>The aggregates a request may name, and the SQL function each is.</summary>
    public static readonly FrozenDictionary<string, string> Aggregates =
        new Dictionary<string, string> { ["avg"] = "avg", ["max"] = "max", ["min"] = "min", ["sum"] = "sum" }.ToFrozenDictionary(StringComparer.Ordinal);

    // A plot over a base table of billions of rows is still one scan per partition; past this it is refused
    // by PostgreSQL rather than left to hold a connection of the pool.
    private const int CommandTimeoutSeconds = 30;

    // Windows and steps are aligned to the Unix epoch (TableWindow), and so are date_bin's buckets from here.
    private const string Epoch = "timestamptz 'epoch'";

    /// <summary>The columns' values over the range, one line per column.</summary>
    public static async Task<TimeSeries> ColumnsAsync(
        NpgsqlConnection connection, PlottableTable table, IReadOnlyList<Identifier> columns, PlotRange range, string aggregate, CancellationToken cancellationToken)
    {
        var function = Aggregates[aggregate];
        var time = ColumnDefinition.SerialTime.Quoted;
        var sums = string.Join(", ", columns.Select((c, i) => $"sum({c.Quoted})::double precision AS v{i}"));
        var reduced = string.Join(", ", columns.Select((_, i) => $"{function}(v{i})"));
        await using var command = Command(
            connection,
            $"""
            WITH per_window AS (
                SELECT date_bin($3, {time}, {Epoch}) AS w, {sums}
                FROM {table.Name.Quoted} WHERE {time} >= $1 AND {time} < $2 GROUP BY 1)
            SELECT date_bin($4, w, {Epoch}), {reduced} FROM per_window GROUP BY 1 ORDER BY 1
            """,
            table, range);

        var times = new List<long>();
        var values = columns.Select(_ => new List<double?>()).ToList();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            times.Add(reader.GetFieldValue<DateTimeOffset>(0).ToUnixTimeSeconds());
            for (var i = 0; i < columns.Count; i++)
            {
                values[i].Add(reader.IsDBNull(i + 1) ? null : reader.GetDouble(i + 1));
            }
        }

        return Series(table, range, aggregate, times, columns.Select((c, i) => new SeriesLine(c.Name, values[i])).ToList());
    }

    /// <summary>
    /// The <paramref name="limit"/> values of <paramref name="key"/> with the largest total of
    /// <paramref name="value"/> over the range, one line each, largest first (ties by key). A key has no
    /// value (null) at a point where the table has no row for it: in a top-N view it was not among the N.
    /// </summary>
    public static async Task<TimeSeries> TopAsync(
        NpgsqlConnection connection, PlottableTable table, Identifier key, Identifier value, int limit, PlotRange range, string aggregate, CancellationToken cancellationToken)
    {
        var function = Aggregates[aggregate];
        var time = ColumnDefinition.SerialTime.Quoted;
        await using var command = Command(
            connection,
            $"""
            WITH per_window AS (
                SELECT date_bin($3, {time}, {Epoch}) AS w, {key.Quoted}::text AS k, sum({value.Quoted})::double precision AS v
                FROM {table.Name.Quoted} WHERE {time} >= $1 AND {time} < $2 AND {key.Quoted} IS NOT NULL GROUP BY 1, 2),
            top AS (
                SELECT k, sum(v) AS total FROM per_window GROUP BY k ORDER BY total DESC NULLS LAST, k LIMIT $5)
            SELECT date_bin($4, p.w, {Epoch}), p.k, {function}(p.v), coalesce(t.total, 0)
            FROM per_window p JOIN top t USING (k) GROUP BY 1, 2, 4 ORDER BY 1
            """,
            table, range);
        command.Parameters.Add(new NpgsqlParameter { Value = limit });

        var times = new List<long>();
        var points = new Dictionary<string, (double Total, Dictionary<int, double?> At)>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var at = reader.GetFieldValue<DateTimeOffset>(0).ToUnixTimeSeconds();
                if (times.Count == 0 || times[^1] != at)
                {
                    times.Add(at);
                }

                var name = reader.GetString(1);
                if (!points.TryGetValue(name, out var line))
                {
                    points[name] = line = (reader.GetDouble(3), []);
                }

                line.At[times.Count - 1] = reader.IsDBNull(2) ? null : reader.GetDouble(2);
            }
        }

        var lines = points
            .OrderByDescending(p => p.Value.Total).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new SeriesLine(p.Key, Enumerable.Range(0, times.Count).Select(i => p.Value.At.GetValueOrDefault(i)).ToList()))
            .ToList();
        return Series(table, range, aggregate, times, lines);
    }

    // $1 and $2 bound the range, $3 is the table's window, $4 the step of a point.
    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, PlottableTable table, PlotRange range) =>
        new(sql, connection)
        {
            CommandTimeout = CommandTimeoutSeconds,
            Parameters =
            {
                new() { Value = range.From, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                new() { Value = range.To, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                new() { Value = table.Window, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Interval },
                new() { Value = range.Step, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Interval },
            },
        };

    private static TimeSeries Series(PlottableTable table, PlotRange range, string aggregate, List<long> times, List<SeriesLine> lines) =>
        new(table.Display, (long)table.Window.TotalSeconds, (long)range.Step.TotalSeconds, aggregate, range.From, range.To, table.First, table.Last, times, lines);
}
