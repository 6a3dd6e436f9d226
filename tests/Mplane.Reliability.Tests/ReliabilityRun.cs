using System.Globalization;

namespace Mplane.Reliability.Tests;

/// <summary>
/// How hard the reliability suite pushes, and where its figures go. CI runs the short form (a few
/// trials per fault, small inputs); <c>scripts/reliability</c> sets <c>MPLANE_RELIABILITY=full</c> (20
/// trials and more) and <c>MPLANE_RELIABILITY_RESULTS</c>, a file that collects one line per figure
/// (scenario, measure, value, tab-separated), from which it writes <c>docs/reliability.md</c>.
/// </summary>
internal static class ReliabilityRun
{
    /// <summary>Whether the full suite runs.</summary>
    public static bool Full => string.Equals(Environment.GetEnvironmentVariable("MPLANE_RELIABILITY"), "full", StringComparison.OrdinalIgnoreCase);

    /// <summary>Trials of one fault: <paramref name="full"/> in the full suite, <paramref name="shortForm"/> in CI.</summary>
    public static int Trials(int full = 20, int shortForm = 3) => Full ? full : shortForm;

    /// <summary>Records a figure of <paramref name="scenario"/> (also written to the test's output by the caller if wanted).</summary>
    public static void Record(string scenario, string measure, object value)
    {
        if (Environment.GetEnvironmentVariable("MPLANE_RELIABILITY_RESULTS") is not { Length: > 0 } file)
        {
            return;
        }

        var text = string.Create(CultureInfo.InvariantCulture, $"{scenario}\t{measure}\t{value}\n");
        lock (typeof(ReliabilityRun))
        {
            File.AppendAllText(file, text);
        }
    }
}
