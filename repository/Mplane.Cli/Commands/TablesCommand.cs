using System.CommandLine;
using System.Globalization;
using Mplane.Configuration;
using Mplane.Warehouse.Sql;
using Mplane.Warehouse.Status;

namespace Mplane.Cli.Commands;

/// <summary><c>mplane tables [TABLE]</c>: the continuous tables, or one table's partitions.</summary>
internal static class TablesCommand
{
    public static Command Create()
    {
        var table = new Argument<string?>("table") { Description = "A table (schema.table, or table in public) whose partitions to list.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("tables", "List the continuous tables (kind, window, partitions, rows, size, time range), or one table's partitions.") { table };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(table) is { } one)
            {
                QualifiedName name;
                try
                {
                    name = QualifiedName.Parse(one);
                }
                catch (ArgumentException e)
                {
                    throw new UsageException($"tables: {e.Message}");
                }

                var partitions = await WarehouseStatus.PartitionsAsync(dataSource, name, ct).ConfigureAwait(false)
                    ?? throw new UsageException($"tables: no continuous table {name.Schema.Name}.{name.Table.Name} (see 'mplane tables')");
                Console.WriteLine($"{"window (UTC)",-16}  {"partition",-40} {"rows",12} {"size",10}  indexed");
                foreach (var p in partitions)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{p.WindowStart.UtcDateTime:yyyy-MM-dd HH:mm}  {p.Name,-40} {p.Rows,12:N0} {p.Bytes / 1048576.0,8:0.0}MB  {(p.Indexed ? "yes" : "no")}"));
                }

                return ExitCodes.Success;
            }

            await Warehouse.Catalogue.CatalogueSchema.EnsureAsync(dataSource, ct).ConfigureAwait(false);
            await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            Console.WriteLine($"{"table",-32} {"kind",-5} {"window",7} {"parts",6} {"rows",12} {"size",10}  range (UTC)");
            foreach (var t in await WarehouseStatus.TablesAsync(connection, ct).ConfigureAwait(false))
            {
                var range = t.First is { } first ? $"{first.UtcDateTime:yyyy-MM-dd HH:mm} .. {t.Last!.Value.UtcDateTime:yyyy-MM-dd HH:mm}" : "-";
                var horizon = t.RetainedFrom is { } from ? $" (retained from {from.UtcDateTime:yyyy-MM-dd HH:mm})" : string.Empty;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{t.Name,-32} {t.Kind,-5} {Spans.Format(TimeSpan.FromSeconds(t.WindowSeconds)),7} {t.Partitions,6} {t.Rows,12:N0} {t.Bytes / 1048576.0,8:0.0}MB  {range}{horizon}"));
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
