namespace Mplane.Analysis.Detectors;

/// <summary>The count detector's parameters.</summary>
/// <param name="Days">Earlier days whose same time of day is history.</param>
/// <param name="Preceding">Bins just before the current one that are history.</param>
/// <param name="MinHistory">Fewer usable history bins: no decision.</param>
/// <param name="K">An alarm beyond this many robust standard deviations (1.4826 MAD).</param>
/// <param name="MadFloor">A floor on the MAD, on the log scale (0.1: about 10 %): a constant history must not make every change an alarm.</param>
/// <remarks>Counts are compared on the log scale, <c>ln(1 + x)</c>: traffic volumes are heavy-tailed (one large transfer doubles a bin's bytes), and what matters is the relative change.</remarks>
public sealed record MedianMadSettings(int Days = 7, int Preceding = 12, int MinHistory = 6, double K = 5, double MadFloor = 0.1);
