using System.Globalization;
using System.Text.Json;

namespace Mplane.Reliability.Tests.Sites;

/// <summary>
/// What a settled <see cref="RepositorySite"/> holds, against what its generator wrote: every file
/// imported exactly once with all its rows, every closed view window computed exactly once and equal
/// to what the base table gives, one successful run per job window, one analysis record per (bin,
/// feature, detector) and every closed bin evaluated, and math_repo's ledger with every file handled.
/// <see cref="Problems"/> says what is wrong (empty when nothing is).
/// </summary>
internal sealed record SiteAudit
{
    /// <summary>Flows the generator wrote.</summary>
    public long ExpectedRows { get; init; }

    /// <summary>Rows in the base table.</summary>
    public long Rows { get; init; }

    /// <summary>Rows of generated files missing from the base table (counted per file's window).</summary>
    public long RowsLost { get; init; }

    /// <summary>Files generated.</summary>
    public int ExpectedFiles { get; init; }

    /// <summary>Files in the import ledger.</summary>
    public int ImportedFiles { get; init; }

    /// <summary>Files whose rows are in the base table more than once, or imported under two entries.</summary>
    public int FilesDuplicated { get; init; }

    /// <summary>View windows expected (per job).</summary>
    public int ExpectedWindows { get; init; }

    /// <summary>View windows missing, over all jobs.</summary>
    public int WindowsMissing { get; init; }

    /// <summary>View windows present more than once, or with more than one successful (non-recomputing) run.</summary>
    public int WindowsDuplicated { get; init; }

    /// <summary>View windows whose content differs from the base table's.</summary>
    public int WindowsWrong { get; init; }

    /// <summary>Successful job runs that recomputed a window.</summary>
    public int Recomputations { get; init; }

    /// <summary>Analysis records.</summary>
    public int AlarmRecords { get; init; }

    /// <summary>Records sharing a (bin, feature, detector).</summary>
    public int AlarmsDuplicated { get; init; }

    /// <summary>Alarms raised.</summary>
    public int Alarms { get; init; }

    /// <summary>Files math_repo's ledger marks failed, or not handled.</summary>
    public int FilesNotHandled { get; init; }

    /// <summary>Everything found wrong, one line each.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Audits <paramref name="site"/> once it is settled (<see cref="RepositorySite.SettleAsync"/>).</summary>
    public static async Task<SiteAudit> RunAsync(RepositorySite site, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var files = site.Files;
        var windows = site.ClosedWindows;

        // Rows, per file (each file fills its own window's partition).
        var baseRows = await CountsAsync(site, "SELECT serial_time, count(*) FROM log_tcp_complete GROUP BY 1", cancellationToken).ConfigureAwait(false);
        long lost = 0;
        var duplicated = 0;
        foreach (var file in files)
        {
            var rows = baseRows.GetValueOrDefault(file.PeriodStart);
            if (rows != file.Flows)
            {
                problems.Add($"{site.RelativePathOf(file)}: {rows} rows in the base table, {file.Flows} generated");
                lost += System.Math.Max(0, file.Flows - rows);
                duplicated += rows > file.Flows ? 1 : 0;
            }
        }

        // The import ledger: each file once, with its rows.
        var imports = new List<(string Path, long Rows)>();
        await using (var command = site.DataSource.CreateCommand("SELECT path, row_count FROM mplane.imports WHERE stream = 'log_tcp_complete'"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                imports.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }

        var stored = Path.Combine(site.Paths.Spool, SiteConfiguration.Stream);
        var imported = imports.GroupBy(i => Path.GetRelativePath(stored, i.Path)).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var file in files)
        {
            var relative = site.RelativePathOf(file);
            switch (imported.GetValueOrDefault(relative))
            {
                case null:
                    problems.Add($"{relative}: not in mplane.imports");
                    break;
                case { Count: > 1 } entries:
                    problems.Add($"{relative}: {entries.Count} entries in mplane.imports");
                    duplicated++;
                    break;
                case [var entry] when entry.Rows != file.Flows:
                    problems.Add($"{relative}: mplane.imports says {entry.Rows} rows, {file.Flows} generated");
                    break;
            }
        }

        problems.AddRange(imported.Keys.Except(files.Select(site.RelativePathOf)).Select(p => $"{p}: imported but never generated"));

        // Views: each closed window once, equal to the base table; one successful run each.
        var (missing, twice, wrong, recomputed) = await AuditViewsAsync(site, baseRows, windows, problems, cancellationToken).ConfigureAwait(false);

        // Analysis: one record per (bin, feature, detector), every closed bin evaluated.
        var (records, distinct, bins, alarms) = (0, 0, 0, 0);
        if (site.Options.Modules.Contains("analysis"))
        {
            await using var command = site.DataSource.CreateCommand(
                "SELECT count(*)::int, count(DISTINCT (bin_start, bin_seconds, feature, detector))::int, count(DISTINCT bin_start)::int, (count(*) FILTER (WHERE is_alarm))::int FROM mplane.alarms");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            (records, distinct, bins, alarms) = (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3));
            if (bins != windows.Count)
            {
                problems.Add($"analysis evaluated {bins} bins, {windows.Count} are closed");
            }

            if (records != distinct)
            {
                problems.Add($"{records - distinct} analysis records duplicate a (bin, feature, detector)");
            }
        }

        var notHandled = NotHandled(site, problems);
        return new SiteAudit
        {
            ExpectedRows = site.Flows,
            Rows = baseRows.Values.Sum(),
            RowsLost = lost,
            ExpectedFiles = files.Count,
            ImportedFiles = imports.Count,
            FilesDuplicated = duplicated,
            ExpectedWindows = windows.Count,
            WindowsMissing = missing,
            WindowsDuplicated = twice,
            WindowsWrong = wrong,
            Recomputations = recomputed,
            AlarmRecords = records,
            AlarmsDuplicated = records - distinct,
            Alarms = alarms,
            FilesNotHandled = notHandled,
            Problems = problems,
        };
    }

    /// <summary>The problems as one message.</summary>
    public override string ToString() => Problems.Count == 0 ? "no problem" : string.Join('\n', Problems.Take(40));

    private static async Task<(int Missing, int Twice, int Wrong, int Recomputed)> AuditViewsAsync(
        RepositorySite site, Dictionary<DateTimeOffset, long> baseRows, IReadOnlyList<DateTimeOffset> windows, List<string> problems, CancellationToken cancellationToken)
    {
        int missing = 0, twice = 0, wrong = 0;
        var runs = new Dictionary<(string Job, DateTimeOffset Window), (long Runs, long Recomputes)>();
        await using (var command = site.DataSource.CreateCommand(
            "SELECT job, window_start, count(*) FILTER (WHERE NOT recompute), count(*) FILTER (WHERE recompute) FROM mplane.job_runs WHERE error IS NULL GROUP BY 1, 2"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                runs[(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1))] = (reader.GetInt64(2), reader.GetInt64(3));
            }
        }

        foreach (var job in site.Options.Jobs)
        {
            var partitions = await CountsAsync(site, $"SELECT window_start, count(*) FROM mplane.partitions WHERE table_name = '{job}' GROUP BY 1", cancellationToken).ConfigureAwait(false);
            foreach (var window in windows)
            {
                var run = runs.GetValueOrDefault((job, window));
                if (!partitions.ContainsKey(window))
                {
                    missing++;
                    problems.Add($"{job} {window:O}: no partition");
                }
                else if (run.Runs != 1)
                {
                    twice += run.Runs > 1 ? 1 : 0;
                    problems.Add($"{job} {window:O}: {run.Runs} successful runs");
                }
            }

            problems.AddRange(partitions.Keys.Except(windows).Select(w => $"{job} {w:O}: a partition for a window that is not closed"));
        }

        // Content: what each example job computes, recomputed from the base table. Each query gives per
        // window (and feature) the value to compare and how many copies of each row there are (1).
        var distinctClients = site.Options.Jobs.Contains("clients_5min")
            ? await CountsAsync(site, "SELECT serial_time, count(DISTINCT c_ip) FROM log_tcp_complete GROUP BY 1", cancellationToken).ConfigureAwait(false)
            : [];
        var checks = new (string Job, string Sql, Dictionary<DateTimeOffset, long> Expected)[]
        {
            ("flows_5min", "SELECT serial_time, '', sum(flows)::bigint, count(*) FROM flows_5min GROUP BY 1", baseRows),
            ("clients_5min", "SELECT serial_time, '', sum(clients)::bigint, count(*) FROM clients_5min GROUP BY 1", distinctClients),
            // Each feature's distribution partitions the window's flows: they add up to the window's flows.
            ("features_5min", "SELECT serial_time, feature, sum(flows)::bigint, count(*) - count(DISTINCT coalesce(value, '')) + 1 FROM features_5min GROUP BY 1, 2", baseRows),
        };
        foreach (var (job, sql, expected) in checks.Where(c => site.Options.Jobs.Contains(c.Job)))
        {
            await using var command = site.DataSource.CreateCommand(sql);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var (window, key, value, copies) = (reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
                var what = key.Length == 0 ? $"{job} {window:O}" : $"{job} {window:O} {key}";
                if (copies != 1)
                {
                    twice++;
                    problems.Add($"{what}: rows there {copies} times");
                }
                else if (value != expected.GetValueOrDefault(window))
                {
                    wrong++;
                    problems.Add($"{what}: {value} computed, the base table gives {expected.GetValueOrDefault(window)}");
                }
            }
        }

        return (missing, twice, wrong, (int)runs.Values.Sum(r => r.Recomputes));
    }

    /// <summary>Files math_repo's ledger holds in any state but handled (read without opening it for writing: the host may run).</summary>
    private static int NotHandled(RepositorySite site, List<string> problems)
    {
        var ledger = Path.Combine(site.Paths.Spool, "ledger.jsonl");
        if (!File.Exists(ledger))
        {
            problems.Add($"{ledger} does not exist");
            return site.Files.Count;
        }

        var last = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(ledger).Where(l => l.EndsWith('}')))
        {
            try
            {
                using var entry = JsonDocument.Parse(line);
                last[entry.RootElement.GetProperty("Path").GetString()!] = entry.RootElement.GetProperty("State").GetString()!;
            }
            catch (JsonException)
            {
                // A line cut by a crash: math_repo skips it too.
            }
        }

        var bad = last.Where(e => e.Value != "handled").ToList();
        problems.AddRange(bad.Select(e => $"math_repo's ledger: {e.Key} is {e.Value}"));
        return bad.Count + site.Files.Count(f => !last.ContainsKey(site.RelativePathOf(f)));
    }

    private static async Task<Dictionary<DateTimeOffset, long>> CountsAsync(RepositorySite site, string sql, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<DateTimeOffset, long>();
        await using var command = site.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetFieldValue<DateTimeOffset>(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
        }

        return counts;
    }
}
