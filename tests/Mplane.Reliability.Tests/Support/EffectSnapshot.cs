using System.Globalization;
using Npgsql;

namespace Mplane.Reliability.Tests.Security;

/// <summary>
/// What a request could have changed: every file under a folder (path, size, time written) and every
/// relation of the database outside PostgreSQL's own schemas, with the rows of each table. Two
/// snapshots around a refused request must be equal.
/// </summary>
internal sealed record EffectSnapshot(IReadOnlyList<string> Files, IReadOnlyList<string> Relations)
{
    /// <summary>Takes a snapshot of <paramref name="folder"/> and <paramref name="database"/>.</summary>
    public static async Task<EffectSnapshot> TakeAsync(string folder, NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => new FileInfo(f))
            .Select(f => string.Create(CultureInfo.InvariantCulture, $"{Path.GetRelativePath(folder, f.FullName)} {f.Length} {f.LastWriteTimeUtc.Ticks}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        // Each table's rows counted exactly, in one round trip (query_to_xml runs a query per table).
        await using var command = database.CreateCommand(
            """
            SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text ||
                   CASE WHEN c.relkind IN ('r', 'p') THEN ' ' || (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text ELSE '' END
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
            ORDER BY 1
            """);
        var relations = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            relations.Add(reader.GetString(0));
        }

        return new EffectSnapshot(files, relations);
    }

    /// <summary>What differs in <paramref name="later"/>, or null when nothing does.</summary>
    public string? Difference(EffectSnapshot later)
    {
        var changes = later.Files.Except(Files).Select(f => $"file {f}")
            .Concat(Files.Except(later.Files).Select(f => $"file was {f}"))
            .Concat(later.Relations.Except(Relations).Select(r => $"relation {r}"))
            .Concat(Relations.Except(later.Relations).Select(r => $"relation was {r}"))
            .ToList();
        return changes.Count == 0 ? null : string.Join("; ", changes);
    }
}
