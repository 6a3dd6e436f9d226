using Mplane.Generators.Tstat;

namespace Mplane.Tools.AnalysisEvaluation.Scoring;

/// <summary>Which bins belong to a label: those that detect it, and those near enough that an alarm in them is not false.</summary>
public static class LabelWindow
{
    /// <summary>Whether the bin at <paramref name="binStart"/> overlaps [start, end + one bin): an alarm in it detects the label.</summary>
    public static bool Detects(AnomalyLabel label, DateTimeOffset binStart, TimeSpan bin) => Overlaps(binStart, bin, label.Start, label.End + bin);

    /// <summary>Whether the bin overlaps the detecting window widened by one bin on each side, [start − bin, end + 2 bins): an alarm in it is not false.</summary>
    public static bool Near(AnomalyLabel label, DateTimeOffset binStart, TimeSpan bin) => Overlaps(binStart, bin, label.Start - bin, label.End + bin + bin);

    private static bool Overlaps(DateTimeOffset binStart, TimeSpan bin, DateTimeOffset from, DateTimeOffset to) => binStart < to && binStart + bin > from;
}
