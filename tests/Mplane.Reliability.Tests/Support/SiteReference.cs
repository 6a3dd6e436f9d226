using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Analysis;
using Mplane.Configuration;
using Mplane.Testing;
using Mplane.Warehouse.Import;
using Mplane.Warehouse.Jobs;
using Npgsql;

namespace Mplane.Reliability.Tests.Sites;

/// <summary>How a site's database differs from a clean run over the same files.</summary>
/// <param name="Differences">Each difference, one line (empty when the two agree).</param>
/// <param name="RowsDiffering">View rows present on one side only.</param>
/// <param name="RecordsDiffering">Analysis records missing on one side or with another outcome or score.</param>
/// <param name="AlarmedBins">The bins the site alarmed on.</param>
/// <param name="ReferenceAlarmedBins">The bins the clean run alarmed on.</param>
internal sealed record SiteComparison(
    IReadOnlyList<string> Differences, int RowsDiffering, int RecordsDiffering, IReadOnlyList<DateTimeOffset> AlarmedBins, IReadOnlyList<DateTimeOffset> ReferenceAlarmedBins)
{
    /// <inheritdoc />
    public override string ToString() => Differences.Count == 0 ? "the same as a clean run" : string.Join('\n', Differences.Take(30));
}

/// <summary>
/// The reference for a <see cref="RepositorySite"/>'s outcome: a fresh database on the test server fed
/// the same generated files without any fault, in process (import, the same jobs until idle, the same
/// analysis configuration), compared with the site's: every view row and every analysis record
/// (outcome, status, score and threshold) must be the same. <see cref="Start"/> begins it in the
/// background as soon as the files are generated; <see cref="CompareAsync"/> waits for it and compares.
/// </summary>
internal sealed class SiteReference : IAsyncDisposable
{
    private readonly RepositorySite _site;
    private readonly CancellationTokenSource _stop;
    private readonly Task<TestDatabase> _run;

    private SiteReference(RepositorySite site, CancellationToken cancellationToken)
    {
        _site = site;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _run = Task.Run(() => RunAsync(site, _stop.Token), _stop.Token);
    }

    /// <summary>Starts the clean run over the site's generated files (generate them first).</summary>
    public static SiteReference Start(RepositorySite site, CancellationToken cancellationToken) => new(site, cancellationToken);

    /// <summary>Waits for the clean run and compares the site's database (settled) with it.</summary>
    public async Task<SiteComparison> CompareAsync(CancellationToken cancellationToken)
    {
        var reference = await _run.WaitAsync(cancellationToken).ConfigureAwait(false);
        var differences = new List<string>();
        var rows = 0;
        foreach (var job in _site.Options.Jobs)
        {
            var sql = $"SELECT t::text FROM public.\"{job}\" t";
            var mine = await TextsAsync(_site.DataSource, sql, cancellationToken).ConfigureAwait(false);
            var theirs = await TextsAsync(reference.DataSource, sql, cancellationToken).ConfigureAwait(false);

            // As multisets: a row twice on one side is a difference too.
            var counts = mine.GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            foreach (var row in theirs)
            {
                counts[row] = counts.GetValueOrDefault(row) - 1;
            }

            var differ = counts.Where(c => c.Value != 0).ToList();
            rows += differ.Sum(c => System.Math.Abs(c.Value));
            differences.AddRange(differ.Take(10).Select(c => c.Value > 0
                ? $"{job}: {c.Key} is there {c.Value} time(s) more than in a clean run"
                : $"{job}: {c.Key} is missing ({-c.Value} time(s))"));
        }

        if (!_site.Options.Modules.Contains("analysis"))
        {
            return new SiteComparison(differences, rows, 0, [], []);
        }

        var records = await RecordsAsync(_site.DataSource, cancellationToken).ConfigureAwait(false);
        var clean = await RecordsAsync(reference.DataSource, cancellationToken).ConfigureAwait(false);
        var differing = 0;
        foreach (var key in records.Keys.Union(clean.Keys))
        {
            var (a, b) = (records.GetValueOrDefault(key), clean.GetValueOrDefault(key));
            if (a is null || b is null || a.Alarm != b.Alarm || a.Status != b.Status || !Close(a.Score, b.Score) || !Close(a.Threshold, b.Threshold))
            {
                differing++;
                if (differing <= 10)
                {
                    differences.Add($"analysis {key.Bin:O} {key.Feature} {key.Detector}: {a?.ToString() ?? "none"}, a clean run gives {b?.ToString() ?? "none"}");
                }
            }
        }

        return new SiteComparison(
            differences, rows, differing,
            [.. records.Where(r => r.Value.Alarm).Select(r => r.Key.Bin).Distinct().Order()],
            [.. clean.Where(r => r.Value.Alarm).Select(r => r.Key.Bin).Distinct().Order()]);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await (await _run.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The run failed or was cancelled: its failure was the test's to report (a database it created is dropped below).
        }

        _stop.Dispose();
    }

    private static async Task<TestDatabase> RunAsync(RepositorySite site, CancellationToken cancellationToken)
    {
        var reference = await TestDatabase.CreateAsync("reference", cancellationToken).ConfigureAwait(false);
        try
        {
            var importer = new Importer(reference.DataSource);
            foreach (var file in site.Files)
            {
                await importer.ImportFileAsync(file.Path, new ImportOptions { Stream = SiteConfiguration.Stream }, cancellationToken).ConfigureAwait(false);
            }

            var scheduler = new Scheduler(reference.DataSource, JobFile.LoadDirectory(Path.Combine(site.Paths.Conf, "jobs")));
            await scheduler.PrepareAsync(cancellationToken).ConfigureAwait(false);
            await scheduler.RunUntilIdleAsync(cancellationToken).ConfigureAwait(false);
            if (site.Options.Modules.Contains("analysis"))
            {
                var settings = AnalysisConfiguration.Load(new ProjectHome(site.Paths.Root), Path.Combine(site.Paths.Conf, "analysis.yaml"));
                await new AnalysisRunner(reference.DataSource, settings, NullLogger<AnalysisRunner>.Instance).RunAsync(cancellationToken).ConfigureAwait(false);
            }

            return reference;
        }
        catch
        {
            await reference.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static bool Close(double a, double b) => a == b || System.Math.Abs(a - b) <= 1e-9 * System.Math.Max(System.Math.Abs(a), System.Math.Abs(b));

    private static async Task<List<string>> TextsAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        var texts = new List<string>();
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            texts.Add(reader.GetString(0));
        }

        return texts;
    }

    private static async Task<Dictionary<(DateTimeOffset Bin, string Feature, string Detector), Outcome>> RecordsAsync(
        NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var records = new Dictionary<(DateTimeOffset, string, string), Outcome>();
        await using var command = dataSource.CreateCommand("SELECT bin_start, feature, detector, is_alarm, status, score, threshold FROM mplane.alarms");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            records[(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetString(2))] =
                new Outcome(reader.GetBoolean(3), reader.GetString(4), reader.GetDouble(5), reader.GetDouble(6));
        }

        return records;
    }

    private sealed record Outcome(bool Alarm, string Status, double Score, double Threshold);
}
