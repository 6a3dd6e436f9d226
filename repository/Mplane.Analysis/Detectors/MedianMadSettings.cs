namespace Mplane.Analysis.Detectors;

/// <summary>The count detector's parameters.</summary>
/// <param name="Days">Earlier days whose same time of day is history.</param>
/// <param name="Preceding">Bins just before the current one that are history.</param>
/// <param name="MinHistory">Fewer usable history bins: no decision.</param>
/// <param name="K">An alarm beyond this many robust standard deviations (1.4826 MAD).</param>
/// <param name="MadFloor">A floor on the MAD as a share of the median: a constant history must not make every change an alarm.</param>
public sealed record MedianMadSettings(int Days = 7, int Preceding = 12, int MinHistory = 6, double K = 5, double MadFloor = 0.05);
