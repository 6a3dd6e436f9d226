using System.CommandLine;
using System.Globalization;

namespace Mplane.Cli.Commands;

/// <summary><c>mplane tables</c>: the continuous tables, their windows, partitions and rows.</summary>
internal static class TablesCommand
{
    public static Command Create()
    {
        var command = new Command("tables", "List the continuous tables: kind, window, partitions, rows, size, time range.");
        command.SetAction((_, ct) => CommandRunner.RunAsync(async () =>
        {
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            await Warehouse.Catalogue.CatalogueSchema.EnsureAsync(dataSource, ct).ConfigureAwait(false);
            await using var command = dataSource.CreateCommand(
                """
                SELECT t.schema_name || '.' || t.table_name, t.kind, t.window_seconds,
                       count(p.window_start), coalesce(sum(p.row_count), 0)::bigint,
                       coalesce(sum(pg_total_relation_size(to_regclass(quote_ident(p.schema_name) || '.' || quote_ident(p.partition_name)))), 0)::bigint,
                       min(p.window_start), max(p.window_end)
                FROM mplane.tables t LEFT JOIN mplane.partitions p USING (schema_name, table_name)
                GROUP BY t.schema_name, t.table_name, t.kind, t.window_seconds
                ORDER BY 1
                """);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            Console.WriteLine($"{"table",-32} {"kind",-5} {"window",7} {"parts",6} {"rows",12} {"size",10}  range (UTC)");
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var range = reader.IsDBNull(6)
                    ? "-"
                    : $"{reader.GetDateTime(6):yyyy-MM-dd HH:mm} .. {reader.GetDateTime(7):yyyy-MM-dd HH:mm}";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{reader.GetString(0),-32} {reader.GetString(1),-5} {Mplane.Configuration.Spans.Format(TimeSpan.FromSeconds(reader.GetInt32(2))),7} {reader.GetInt64(3),6} {reader.GetInt64(4),12:N0} {reader.GetInt64(5) / 1048576.0,8:0.0}MB  {range}"));
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
