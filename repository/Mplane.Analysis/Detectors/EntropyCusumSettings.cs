namespace Mplane.Analysis.Detectors;

/// <summary>The entropy change detector's parameters.</summary>
/// <param name="Alpha">The weight of the past in the EWMA of mean and variance (the mPlane CUSUM's 0.875).</param>
/// <param name="Slack">The CUSUM's slack, in standard deviations (the mPlane CUSUM's c = 0.5).</param>
/// <param name="Threshold">An alarm when a one-sided sum exceeds this many standard deviations.</param>
/// <param name="Training">Bins that only teach the mean and variance before any alarm.</param>
/// <param name="MaxExcluded">Consecutive alarmed bins kept out of the state; after that the new level is learnt (a lasting shift is not an anomaly for ever).</param>
/// <param name="MinFlows">Bins with fewer flows are skipped (no decision, no learning).</param>
/// <param name="MinStd">A floor on the standard deviation, in entropy units: a flat history must not make every wobble an alarm.</param>
public sealed record EntropyCusumSettings(
    double Alpha = 0.875, double Slack = 0.5, double Threshold = 5, int Training = 24, int MaxExcluded = 12, double MinFlows = 20, double MinStd = 0.01);
