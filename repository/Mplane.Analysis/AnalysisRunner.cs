using Microsoft.Extensions.Logging;
using Mplane.Analysis.Detectors;
using Npgsql;

namespace Mplane.Analysis;

/// <summary>
/// Runs the detectors over the bins the warehouse has closed, in time order, one record per (bin,
/// feature, detector). What a detector carries from bin to bin (the flagged bins, the CUSUM state)
/// lives in the records themselves, so a run that stops and resumes, a live run bin after bin, and a
/// backfill over the whole history all compute the same alarms. A bin whose source window was
/// recomputed after late data is evaluated again, with every later bin.
/// </summary>
public sealed class AnalysisRunner(NpgsqlDataSource dataSource, AnalysisSettings settings, ILogger<AnalysisRunner> logger)
{
    /// <summary>Bins written per transaction.</summary>
    private const int BatchBins = 288;

    private readonly FeatureSource _source = new(dataSource, settings);
    private readonly AlarmStore _store = new(dataSource);
    private readonly KlRefsetDetector _kl = new(settings.KlRefset);
    private readonly EntropyCusumDetector _entropy = new(settings.EntropyCusum);
    private readonly MedianMadDetector _mad = new(settings.MedianMad);

    private int BinSeconds => (int)settings.Bin.TotalSeconds;

    /// <summary>The advisory lock key held while the detectors run ("mplane-a"): two runners would overwrite each other's records and chain each other's state.</summary>
    public const long RunnerLock = 0x6D706C616E652D61;

    /// <summary>Evaluates every closed bin not evaluated yet, and again those whose data changed; returns how many bins (0 when another runner is at work).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        await _store.EnsureAsync(cancellationToken).ConfigureAwait(false);
        await using var exclusive = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (!await LockAsync(exclusive, wait: false, cancellationToken).ConfigureAwait(false))
        {
            logger.LogInformation("Analysis: another runner is at work; this round is skipped");
            return 0;
        }

        try
        {
            return await RunLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await UnlockAsync(exclusive).ConfigureAwait(false);
        }
    }

    private async Task<int> RunLockedAsync(CancellationToken cancellationToken)
    {
        if (await _source.ClosedUntilAsync(cancellationToken).ConfigureAwait(false) is not { } closed ||
            await _source.FirstBinAsync(cancellationToken).ConfigureAwait(false) is not { } first)
        {
            return 0;
        }

        var from = await _store.LastBinAsync(BinSeconds, cancellationToken).ConfigureAwait(false) is { } last ? last + settings.Bin : first;
        if (await _source.RecomputedSinceAsync(from, cancellationToken).ConfigureAwait(false) is { } changed && changed < from)
        {
            logger.LogInformation("Bins from {Bin:o} changed after their evaluation (late data): evaluating them again", changed);
            from = changed;
        }

        return await EvaluateAsync(Align(from), Align(closed), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Evaluates every closed bin from <paramref name="from"/> again (a backfill, or after changing the settings).</summary>
    public async Task<int> BackfillAsync(DateTimeOffset from, CancellationToken cancellationToken)
    {
        await _store.EnsureAsync(cancellationToken).ConfigureAwait(false);
        await using var exclusive = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await LockAsync(exclusive, wait: true, cancellationToken).ConfigureAwait(false); // a live round finishes first
        try
        {
            if (await _source.ClosedUntilAsync(cancellationToken).ConfigureAwait(false) is not { } closed ||
                await _source.FirstBinAsync(cancellationToken).ConfigureAwait(false) is not { } first)
            {
                return 0;
            }

            return await EvaluateAsync(Align(from > first ? from : first), Align(closed), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await UnlockAsync(exclusive).ConfigureAwait(false);
        }
    }

    private static async Task<bool> LockAsync(NpgsqlConnection connection, bool wait, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(wait ? "SELECT pg_advisory_lock($1), true" : "SELECT pg_try_advisory_lock($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = RunnerLock });
        if (wait)
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }

        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    private static async Task UnlockAsync(NpgsqlConnection connection)
    {
        // Released explicitly: a pooled connection would otherwise keep the session lock until it is reused.
        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = RunnerLock });
        await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<int> EvaluateAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        if (from >= to)
        {
            return 0;
        }

        // Everything the bins in [from, to) may look back to, read once.
        var lookback = from - settings.Lookback;
        var distributions = await _source.DistributionsAsync(lookback, to, cancellationToken).ConfigureAwait(false);
        var counts = await _source.CountsAsync(lookback, to, cancellationToken).ConfigureAwait(false);
        var flagged = await _store.FlaggedAsync(BinSeconds, lookback, from, cancellationToken).ConfigureAwait(false);
        var states = await _store.StatesAsync(BinSeconds, from - settings.Bin, cancellationToken).ConfigureAwait(false);
        HashSet<DateTimeOffset> Flagged(string feature, string detector) =>
            flagged.TryGetValue((feature, detector), out var set) ? set : flagged[(feature, detector)] = [];

        var featureHistories = settings.Features.ToDictionary(
            f => f, f => new FeatureHistory(distributions[f], Flagged(f, KlRefsetDetector.Name)), StringComparer.Ordinal);
        var countHistories = settings.Counts.ToDictionary(
            c => c.Name, c => new CountHistory(counts[c.Name], Flagged(c.Name, MedianMadDetector.Name)), StringComparer.Ordinal);
        var cusum = settings.Features.ToDictionary(
            f => f,
            f => states.TryGetValue((f, EntropyCusumDetector.Name), out var json) ? AnalysisJson.Read<EntropyCusumDetector.CusumState>(json) : null,
            StringComparer.Ordinal);

        var records = new List<AlarmRecord>();
        var bins = 0;
        for (var bin = from; bin < to; bin += settings.Bin)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var feature in settings.Features)
            {
                records.Add(_kl.Evaluate(feature, bin, settings.Bin, featureHistories[feature]));
                var entropy = _entropy.Evaluate(feature, bin, settings.Bin, featureHistories[feature].At(bin), cusum[feature]);
                cusum[feature] = AnalysisJson.Read<EntropyCusumDetector.CusumState>(entropy.State!);
                records.Add(entropy);
            }

            foreach (var count in settings.Counts)
            {
                records.Add(_mad.Evaluate(count.Name, bin, settings.Bin, countHistories[count.Name], count.K));
            }

            if (++bins % BatchBins == 0)
            {
                await FlushAsync(records, cancellationToken).ConfigureAwait(false);
            }
        }

        await FlushAsync(records, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Analysis: {Bins} bins evaluated from {From:o} to {To:o}", bins, from, to);
        return bins;
    }

    private async Task FlushAsync(List<AlarmRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        await _store.WriteAsync(records, cancellationToken).ConfigureAwait(false);
        var alarms = records.Where(r => r.IsAlarm).ToList();
        foreach (var alarm in alarms)
        {
            logger.LogWarning(
                "Alarm {Bin:o} {Feature} {Detector}: score {Score:0.###} over {Threshold:0.###}, top {Top}",
                alarm.BinStart, alarm.Feature, alarm.Detector, alarm.Score, alarm.Threshold, alarm.TopContributors.FirstOrDefault()?.Key);
        }

        records.Clear();
    }

    private DateTimeOffset Align(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % settings.Bin.Ticks), TimeSpan.Zero);
}
