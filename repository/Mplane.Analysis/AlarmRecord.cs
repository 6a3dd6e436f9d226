namespace Mplane.Analysis;

/// <summary>What a detector's evaluation of one bin came to, besides its score.</summary>
public static class DetectorStatus
{
    /// <summary>Evaluated.</summary>
    public const string Ok = "ok";

    /// <summary>Still learning: scored, never an alarm.</summary>
    public const string Training = "training";

    /// <summary>Too few usable reference bins to decide.</summary>
    public const string InsufficientReference = "insufficient_reference";

    /// <summary>The bin has no data (missing data is not zero).</summary>
    public const string NoData = "no_data";
}

/// <summary>A key whose share changed most between the bin and its reference: the drill-down of an alarm.</summary>
/// <param name="Key">The port, /24, server, domain or size class.</param>
/// <param name="Contribution">Its part of the score.</param>
/// <param name="Share">Its share in the bin.</param>
/// <param name="ReferenceShare">Its share in the reference.</param>
public sealed record Contributor(string Key, double Contribution, double Share, double ReferenceShare);

/// <summary>
/// One detector's evaluation of one feature in one bin, alarm or not, so that scores can be plotted
/// and thresholds audited (the reference's alarm record). Keyed by bin, bin length, feature and
/// detector; a recomputation replaces it.
/// </summary>
/// <param name="BinStart">The bin's start.</param>
/// <param name="BinSeconds">The bin's length.</param>
/// <param name="Feature">The feature, e.g. <c>server_port</c> or <c>flows</c>.</param>
/// <param name="Detector">The detector, e.g. <c>kl_refset</c>.</param>
/// <param name="Score">The score, on the detector's own scale.</param>
/// <param name="Threshold">The threshold it was compared with, on the same scale.</param>
/// <param name="IsAlarm">Whether it is an alarm.</param>
/// <param name="Status">A <see cref="DetectorStatus"/>.</param>
/// <param name="Entities">Entities (keys) in the bin's distribution, or the count's value for counts.</param>
/// <param name="ReferenceFrom">The start of the span the reference was drawn from.</param>
/// <param name="ReferenceTo">Its end.</param>
/// <param name="ReferenceBins">How many reference bins were used.</param>
/// <param name="TopContributors">The keys that changed most.</param>
/// <param name="Parameters">The detector's parameters in force, as JSON.</param>
/// <param name="State">The detector's state after this bin (for sequential detectors), as JSON; the next bin starts from it.</param>
public sealed record AlarmRecord(
    DateTimeOffset BinStart,
    int BinSeconds,
    string Feature,
    string Detector,
    double Score,
    double Threshold,
    bool IsAlarm,
    string Status,
    long Entities,
    DateTimeOffset? ReferenceFrom,
    DateTimeOffset? ReferenceTo,
    int ReferenceBins,
    IReadOnlyList<Contributor> TopContributors,
    string Parameters,
    string? State = null);
