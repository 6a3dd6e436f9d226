using System.Globalization;
using Mplane.Components.Runtime;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Values;
using Mplane.Warehouse.Status;
using Npgsql;

namespace Mplane.RepositoryProxy;

/// <summary>
/// <c>repository-list_tables</c>: the warehouse's continuous tables as they are now, one row each:
/// name, kind (base or view), window, partitions, rows, bytes, and the time range held.
/// </summary>
public sealed class ListTablesService(NpgsqlDataSource dataSource, IReadOnlyDictionary<string, string> metadata) : IService
{
    /// <summary>The capability's label.</summary>
    public const string Label = "repository-list_tables";

    /// <summary>The result columns, in order.</summary>
    public static readonly IReadOnlyList<string> Columns =
        ["repository.table", "repository.table.kind", "repository.window.s", "repository.partitions", "repository.rows", "repository.bytes", "start", "end"];

    /// <inheritdoc />
    public Statement Capability { get; } = RepositoryCapabilities.Build(Label, "past ... future", new Dictionary<string, string>(), Columns, metadata);

    /// <inheritdoc />
    public async Task<Statement> RunAsync(Statement specification, CancellationToken cancellationToken)
    {
        List<TableStatus> tables;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            tables = await WarehouseStatus.TablesAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        return specification with
        {
            Kind = MessageKind.Result,
            When = ValueCodec.FormatTime(DateTimeOffset.UtcNow),
            Link = null,
            Results = Columns,
            ResultValues = [.. tables.Select(Row)],
        };
    }

    private static IReadOnlyList<string> Row(TableStatus table) =>
    [
        table.Name,
        table.Kind,
        table.WindowSeconds.ToString(CultureInfo.InvariantCulture),
        table.Partitions.ToString(CultureInfo.InvariantCulture),
        table.Rows.ToString(CultureInfo.InvariantCulture),
        table.Bytes.ToString(CultureInfo.InvariantCulture),
        ValueCodec.Format(Prim.Time, table.First), // an empty table: the wildcard, as the reference writes a missing value
        ValueCodec.Format(Prim.Time, table.Last),
    ];
}
