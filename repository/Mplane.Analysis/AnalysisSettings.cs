using Mplane.Analysis.Detectors;

namespace Mplane.Analysis;

/// <summary>A count series: a column of a continuous table, one value per bin.</summary>
/// <param name="Name">The feature name in alarms, e.g. <c>flows</c>.</param>
/// <param name="Table">The table, <c>[schema.]table</c>.</param>
/// <param name="Column">The column.</param>
/// <param name="K">This count's alarm threshold in robust standard deviations, instead of the detector's (bytes are burstier than flows: one large transfer is not an anomaly).</param>
public sealed record CountSource(string Name, string Table, string Column, double? K = null);

/// <summary>
/// What anomaly detection reads and how: the bin, the feature distributions (a continuous table with
/// <c>feature</c>, <c>value</c> and <c>flows</c> columns, as the example job <c>features_5min</c>
/// writes), the count series, and each detector's parameters.
/// </summary>
public sealed record AnalysisSettings
{
    /// <summary>The bin (the feature job's window).</summary>
    public TimeSpan Bin { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The table of per-bin distributions.</summary>
    public string FeaturesTable { get; init; } = "features_5min";

    /// <summary>The features watched.</summary>
    public IReadOnlyList<string> Features { get; init; } = ["server_port", "client_net", "server_ip", "flow_size", "rtt", "domain"];

    /// <summary>The counts watched.</summary>
    public IReadOnlyList<CountSource> Counts { get; init; } =
        [new("flows", "flows_5min", "flows"), new("bytes", "flows_5min", "bytes", K: 8), new("clients", "clients_5min", "clients")];

    /// <summary>The distribution detector.</summary>
    public KlRefsetSettings KlRefset { get; init; } = new();

    /// <summary>The entropy detector.</summary>
    public EntropyCusumSettings EntropyCusum { get; init; } = new();

    /// <summary>The count detector.</summary>
    public MedianMadSettings MedianMad { get; init; } = new();

    /// <summary>How far back any detector looks from a bin: the earliest reference candidate either detector can draw.</summary>
    public TimeSpan Lookback
    {
        get
        {
            var bin = DateTimeOffset.UnixEpoch.AddDays(365); // any bin: candidates lie at fixed distances from it
            return new[] { new References(KlRefset.Days, KlRefset.Preceding), new References(MedianMad.Days, MedianMad.Preceding) }
                .Max(references => bin - references.Earliest(bin, Bin));
        }
    }
}
