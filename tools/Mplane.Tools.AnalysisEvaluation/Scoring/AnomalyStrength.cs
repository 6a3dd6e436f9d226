using Mplane.Analysis;
using Mplane.Analysis.Detectors;
using Mplane.Generators.Tstat;

namespace Mplane.Tools.AnalysisEvaluation.Scoring;

/// <summary>
/// How strong the labelled anomalies were: the relative change of a count (the flows per bin) in the
/// bins wholly inside each label, against median_mad's baseline for that bin (its record's reference
/// median), median over the label's bins.
/// </summary>
public static class AnomalyStrength
{
    /// <summary>The count measured.</summary>
    public const string Count = "flows";

    /// <summary>Each label's kind and relative change of <see cref="Count"/> (0.5: 50 % more flows); labels without a whole bin with a baseline are left out.</summary>
    public static IReadOnlyList<(AnomalyKind Kind, double Change)> Of(RunAlarms alarms, IReadOnlyList<AnomalyLabel> labels, TimeSpan bin)
    {
        var records = alarms.Records
            .Where(r => r.Feature == Count && r.Detector == MedianMadDetector.Name && r.Status == DetectorStatus.Ok && r.TopContributors.Count > 0)
            .ToList();
        return
        [
            .. labels.Select(l => (l.Kind, Changes: records
                    .Where(r => r.BinStart >= l.Start && r.BinStart + bin <= l.End && r.TopContributors[0].ReferenceShare > 0)
                    .Select(r => (r.TopContributors[0].Share / r.TopContributors[0].ReferenceShare) - 1)
                    .Order()
                    .ToList()))
                .Where(l => l.Changes.Count > 0)
                .Select(l => (l.Kind, l.Changes[l.Changes.Count / 2])),
        ];
    }
}
