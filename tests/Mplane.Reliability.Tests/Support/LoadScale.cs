using System.Globalization;

namespace Mplane.Reliability.Tests.Transfer;

/// <summary>
/// How large the load run is. The full form is the issue's: 20 probes, each shipping an hour of logs
/// at 1,000 flows/s in 5-minute files (72 M flows). CI's short form keeps 20 probes and shrinks the
/// data (5 minutes at 20 flows/s). <c>MPLANE_LOAD_PROBES</c>, <c>MPLANE_LOAD_MINUTES</c> and
/// <c>MPLANE_LOAD_RATE</c> override either, for a machine too small for the full form.
/// </summary>
/// <param name="Probes">Probe processes, each with its own certificate, log folder (its own seed) and stream.</param>
/// <param name="Minutes">Minutes of logs per probe (5-minute files).</param>
/// <param name="Rate">Mean flows per second per probe.</param>
internal sealed record LoadScale(int Probes, int Minutes, double Rate)
{
    /// <summary>Bytes of a generated <c>log_tcp_complete</c> line, on average (measured: about 630).</summary>
    public const double BytesPerFlow = 650;

    /// <summary>Flows expected in all (the generator's daily cycle makes the real count differ a little).</summary>
    public double Flows => Probes * Minutes * 60 * Rate;

    /// <summary>Bytes of generated logs expected.</summary>
    public double LogBytes => Flows * BytesPerFlow;

    /// <summary>
    /// Disk the run needs: the logs, their copy in math_repo's spool, and the database's tables (measured
    /// 1.24 times the logs' size), with a margin, plus 2 GB to spare.
    /// </summary>
    public double DiskBytes => 3.5 * LogBytes + (2.0 * (1L << 30));

    /// <summary>The scale for this run: the form's defaults, overridden by the environment.</summary>
    public static LoadScale FromEnvironment()
    {
        var defaults = ReliabilityRun.Full ? new LoadScale(20, 60, 1000) : new LoadScale(20, 5, 20);
        return new LoadScale(
            Number("MPLANE_LOAD_PROBES", defaults.Probes, n => (int)n),
            Number("MPLANE_LOAD_MINUTES", defaults.Minutes, n => (int)n),
            Number("MPLANE_LOAD_RATE", defaults.Rate, n => n));
    }

    /// <summary>Whether this is the issue's full scale.</summary>
    public bool IsIssueScale => Probes >= 20 && Minutes >= 60 && Rate >= 1000;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Probes} probes x {Minutes} min at {Rate:0.#} flows/s");

    private static T Number<T>(string variable, T fallback, Func<double, T> convert)
    {
        var text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? convert(value)
            : throw new ArgumentException($"{variable}='{text}' is not a positive number");
    }
}
