using Mplane.Analysis.Detectors;

namespace Mplane.Tools.AnalysisEvaluation.Scoring;

/// <summary>When a bin counts as alarmed, from the alarms of the detectors in it.</summary>
/// <param name="Name">A short name for tables.</param>
/// <param name="Definition">What it means, for the report.</param>
/// <param name="Fires">Whether the bin with these alarms is alarmed.</param>
/// <param name="Involves">Which alarms the rule looks at (to name the features behind a false alarm).</param>
public sealed record AlarmRule(string Name, string Definition, Func<IReadOnlyCollection<FeatureAlarm>, bool> Fires, Func<FeatureAlarm, bool> Involves)
{
    /// <summary>The combined rule's name.</summary>
    public const string CombinedName = "combined";

    /// <summary>The three detectors, in the report's order.</summary>
    public static IReadOnlyList<string> Detectors { get; } = [KlRefsetDetector.Name, EntropyCusumDetector.Name, MedianMadDetector.Name];

    /// <summary>The rules the report is about: the three detectors alone and the combined rule.</summary>
    public static IReadOnlyList<string> Main { get; } = [.. Detectors, CombinedName];

    /// <summary>
    /// The combined detector: kl_refset on any feature, or entropy_cusum and median_mad together in the
    /// same bin. The distribution detector is the one that sees every kind (an outage moves no count much)
    /// with a threshold learnt from its own references; the other two, noisy (entropy of small
    /// distributions) or blind to some kinds (counts), count only when they corroborate each other.
    /// </summary>
    public static AlarmRule Combined { get; } = new(
        CombinedName,
        $"{KlRefsetDetector.Name} on any feature, or {EntropyCusumDetector.Name} and {MedianMadDetector.Name} both in the same bin",
        alarms => alarms.Any(a => a.Detector == KlRefsetDetector.Name) ||
                  (alarms.Any(a => a.Detector == EntropyCusumDetector.Name) && alarms.Any(a => a.Detector == MedianMadDetector.Name)),
        _ => true);

    /// <summary>Any detector on any feature (the union).</summary>
    public static AlarmRule Any { get; } = new("any", "an alarm of any detector on any feature", alarms => alarms.Count > 0, _ => true);

    /// <summary>The rules reported: each detector, the combined rule, and the alternatives it was chosen over.</summary>
    public static IReadOnlyList<AlarmRule> Reported { get; } =
        [.. Detectors.Select(Detector), Combined, Any, Agreeing(2), Votes(2)];

    /// <summary>One detector alone: any of its features alarmed.</summary>
    public static AlarmRule Detector(string detector) =>
        new(detector, $"an alarm of {detector} on any of its features", alarms => alarms.Any(a => a.Detector == detector), a => a.Detector == detector);

    /// <summary>At least <paramref name="count"/> different detectors agree on the bin.</summary>
    public static AlarmRule Agreeing(int count) =>
        new($"{count}+ detectors", $"alarms of at least {count} different detectors in the same bin", alarms => alarms.Select(a => a.Detector).Distinct().Count() >= count, _ => true);

    /// <summary>At least <paramref name="count"/> alarms in the bin, of any detector and feature.</summary>
    public static AlarmRule Votes(int count) =>
        new($"{count}+ alarms", $"at least {count} alarms in the same bin, of any detector and feature", alarms => alarms.Count >= count, _ => true);
}
