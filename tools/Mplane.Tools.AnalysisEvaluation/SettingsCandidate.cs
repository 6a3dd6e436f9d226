using System.Globalization;
using Mplane.Analysis;
using Mplane.Analysis.Detectors;

namespace Mplane.Tools.AnalysisEvaluation;

/// <summary>Settings the detectors are run with: the defaults, or the defaults with one parameter changed.</summary>
/// <param name="Detector">The detector whose parameter is changed; null for the defaults.</param>
/// <param name="Parameter">The parameter changed, as its path below <see cref="AnalysisSettings"/>, e.g. <c>KlRefset.Gamma</c>.</param>
/// <param name="Old">Its default.</param>
/// <param name="New">The value tried.</param>
/// <param name="Settings">The settings.</param>
public sealed record SettingsCandidate(string? Detector, string? Parameter, double Old, double New, AnalysisSettings Settings)
{
    /// <summary>The defaults' name.</summary>
    public const string DefaultsName = "defaults";

    /// <summary>The defaults of <see cref="AnalysisSettings"/>.</summary>
    public static SettingsCandidate Defaults { get; } = new(null, null, double.NaN, double.NaN, new AnalysisSettings());

    /// <summary>
    /// The defaults, then one change at a time around each detector's decision threshold, both ways
    /// where the direction is not obvious: what the goal's margin is, and what would meet it if the
    /// defaults do not.
    /// </summary>
    public static IReadOnlyList<SettingsCandidate> All { get; } =
    [
        Defaults,
        Change(KlRefsetDetector.Name, "KlRefset.Gamma", s => s.KlRefset.Gamma, (s, v) => s with { KlRefset = s.KlRefset with { Gamma = v } }, 1.25),
        Change(KlRefsetDetector.Name, "KlRefset.Gamma", s => s.KlRefset.Gamma, (s, v) => s with { KlRefset = s.KlRefset with { Gamma = v } }, 2),
        Change(KlRefsetDetector.Name, "KlRefset.MinThreshold", s => s.KlRefset.MinThreshold, (s, v) => s with { KlRefset = s.KlRefset with { MinThreshold = v } }, 0.04),
        Change(EntropyCusumDetector.Name, "EntropyCusum.Threshold", s => s.EntropyCusum.Threshold, (s, v) => s with { EntropyCusum = s.EntropyCusum with { Threshold = v } }, 8),
        Change(EntropyCusumDetector.Name, "EntropyCusum.Threshold", s => s.EntropyCusum.Threshold, (s, v) => s with { EntropyCusum = s.EntropyCusum with { Threshold = v } }, 12),
        Change(EntropyCusumDetector.Name, "EntropyCusum.MinStd", s => s.EntropyCusum.MinStd, (s, v) => s with { EntropyCusum = s.EntropyCusum with { MinStd = v } }, 0.02),
        Change(MedianMadDetector.Name, "MedianMad.K", s => s.MedianMad.K, (s, v) => s with { MedianMad = s.MedianMad with { K = v } }, 4),
    ];

    /// <summary>How the candidate reads in tables.</summary>
    public string Name => Parameter is null ? DefaultsName : string.Create(CultureInfo.InvariantCulture, $"{Parameter} {Old:0.###} → {New:0.###}");

    private static SettingsCandidate Change(string detector, string parameter, Func<AnalysisSettings, double> read, Func<AnalysisSettings, double, AnalysisSettings> write, double value)
    {
        var defaults = new AnalysisSettings();
        return new SettingsCandidate(detector, parameter, read(defaults), value, write(defaults, value));
    }
}
