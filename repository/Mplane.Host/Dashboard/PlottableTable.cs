using Mplane.Warehouse.Sql;
using Mplane.Warehouse.Tables;
using Npgsql;

namespace Mplane.Host.Dashboard;

/// <summary>
/// A continuous table the dashboard may plot: registered in the catalogue (<c>mplane.tables</c>), with
/// its window, its columns and types as PostgreSQL has them, and the time its partitions span. Only
/// names found here are put into SQL, so a request cannot reach any other table or any column the
/// table does not have.
/// </summary>
/// <param name="Name">The table.</param>
/// <param name="Window">Its window (one partition per window): the finest step a plot can have.</param>
/// <param name="Columns">Its columns (without <c>serial_time</c>) and their SQL types.</param>
/// <param name="First">The start of its oldest partition, or null when it has none.</param>
/// <param name="Last">The end of its newest partition, or null when it has none.</param>
internal sealed record PlottableTable(
    QualifiedName Name, TimeSpan Window, IReadOnlyDictionary<string, string> Columns, DateTimeOffset? First, DateTimeOffset? Last)
{
    // Types a sum and an average mean something for; format_type() spells numeric with its precision.
    private static readonly HashSet<string> NumericTypes = ["smallint", "integer", "bigint", "real", "double precision", "numeric"];

    /// <summary>
    /// Finds <paramref name="name"/> in the catalogue; refused as <paramref name="parameter"/> when it
    /// is not a continuous table (a plain table or a partition is not offered to the dashboard).
    /// </summary>
    public static async Task<PlottableTable> FindAsync(NpgsqlConnection connection, QualifiedName name, string parameter, CancellationToken cancellationToken)
    {
        if (await ContinuousTables.FindAsync(connection, name, cancellationToken).ConfigureAwait(false) is not { } table)
        {
            throw new BadParameterException(parameter, $"no continuous table {name.Schema.Name}.{name.Table.Name}");
        }

        var columns = (await ContinuousTables.ColumnsAsync(connection, name, cancellationToken).ConfigureAwait(false))
            .ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        await using var span = new NpgsqlCommand(
            "SELECT min(window_start), max(window_end) FROM mplane.partitions WHERE schema_name = $1 AND table_name = $2", connection)
        {
            Parameters = { new() { Value = name.Schema.Name }, new() { Value = name.Table.Name } },
        };
        await using var reader = await span.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new PlottableTable(
            name, table.Window.Length, columns,
            reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0),
            reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }

    /// <summary><paramref name="column"/>, if the table has it; refused as <paramref name="parameter"/> otherwise.</summary>
    public Identifier Existing(Identifier column, string parameter) => Columns.ContainsKey(column.Name)
        ? column
        : throw new BadParameterException(parameter, $"{Display} has no column '{column.Name}' (it has {string.Join(", ", Columns.Keys)})");

    /// <summary><paramref name="column"/>, if the table has it and it holds numbers; refused as <paramref name="parameter"/> otherwise.</summary>
    public Identifier Numeric(Identifier column, string parameter)
    {
        var type = Columns[Existing(column, parameter).Name];
        var bare = type.Split('(')[0];
        return NumericTypes.Contains(bare)
            ? column
            : throw new BadParameterException(parameter, $"column '{column.Name}' of {Display} is {type}, not a number");
    }

    /// <summary>The table's name as the API shows it.</summary>
    public string Display => $"{Name.Schema.Name}.{Name.Table.Name}";
}
