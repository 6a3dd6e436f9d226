namespace Mplane.Generators.Tstat;

/// <summary>What <see cref="TstatLogGenerator"/> is to write.</summary>
public sealed record TstatGeneratorOptions
{
    /// <summary>The most flows per second a run may ask for.</summary>
    public const double MaxRate = 1_000_000;

    /// <summary>The folder to write Tstat's layout into.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The start of the first rotation period (whole minutes, UTC).</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>The span covered by all files.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>The rotation period: one <c>.out</c> folder per interval.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Mean flows per second of ordinary traffic (it follows a daily cycle around this mean).</summary>
    public double Rate { get; init; } = 100;

    /// <summary>The seed: equal arguments give byte-identical files.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Anomalies placed explicitly or by the generator.</summary>
    public IReadOnlyList<AnomalyRequest> Anomalies { get; init; } = [];

    /// <summary>How many anomalies of every kind to add at places the generator picks.</summary>
    public int AnomaliesPerKind { get; init; }

    /// <summary>The end of the covered span (exclusive).</summary>
    public DateTimeOffset End => Start + Duration;

    /// <summary>Checks the options and returns the problems found, each naming the option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Duration <= TimeSpan.Zero)
        {
            problems.Add("--duration must be positive");
        }

        if (Interval < TimeSpan.FromMinutes(1) || Interval.Ticks % TimeSpan.TicksPerMinute != 0 || Interval > TimeSpan.FromDays(1))
        {
            problems.Add("--interval must be a whole number of minutes between 1m and 1d (Tstat names periods to the minute)");
        }

        if (Start.Ticks % TimeSpan.TicksPerMinute != 0)
        {
            problems.Add("--start must fall on a whole minute (Tstat names periods to the minute)");
        }

        if (double.IsNaN(Rate) || Rate < 0 || Rate > MaxRate)
        {
            problems.Add($"--rate must be between 0 and {MaxRate:0} flows per second");
        }

        if (AnomaliesPerKind < 0)
        {
            problems.Add("--anomalies must not be negative");
        }

        return problems;
    }
}
