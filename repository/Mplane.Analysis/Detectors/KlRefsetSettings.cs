namespace Mplane.Analysis.Detectors;

/// <summary>The distribution detector's parameters (ADTool style).</summary>
/// <param name="Days">Earlier days whose same time of day is a candidate reference (W).</param>
/// <param name="Preceding">Bins just before the current one that are candidates (R).</param>
/// <param name="ReferenceSize">References kept: the most mutually consistent candidates (K).</param>
/// <param name="MinReferences">Fewer usable candidates than this: no decision (K_min).</param>
/// <param name="Top">Keys with their own bin in a comparison; the rest share "other".</param>
/// <param name="Percentile">The percentile of the references' own distances the threshold starts from.</param>
/// <param name="Gamma">The safety factor on it (γ ≥ 1).</param>
/// <param name="MinThreshold">A floor on the threshold: references that agree perfectly must not make every wobble an alarm.</param>
/// <param name="MinFlows">Bins with fewer flows are too noisy: never references, never alarms.</param>
public sealed record KlRefsetSettings(
    int Days = 7, int Preceding = 12, int ReferenceSize = 12, int MinReferences = 6, int Top = 50,
    double Percentile = 95, double Gamma = 2, double MinThreshold = 0.03, double MinFlows = 20);
