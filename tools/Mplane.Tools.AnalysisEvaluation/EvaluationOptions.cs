using System.Globalization;

namespace Mplane.Tools.AnalysisEvaluation;

/// <summary>What to evaluate: the simulated span, the traffic's rate, the anomalies and the seeds.</summary>
/// <param name="Days">Simulated days.</param>
/// <param name="Rate">Mean flows per second of ordinary traffic.</param>
/// <param name="PerKind">Anomalies of every kind, placed by the generator after its clean lead-in.</param>
/// <param name="Seeds">The generator's seeds: one independent run each, scored together.</param>
public sealed record EvaluationOptions(double Days, double Rate, int PerKind, IReadOnlyList<ulong> Seeds)
{
    /// <summary>Three days at 4 flows/s with 8 anomalies of each kind, seeds 1 and 2.</summary>
    public EvaluationOptions()
        : this(3, 4, 8, [1, 2])
    {
    }

    /// <summary>The command line's usage text.</summary>
    public const string Usage =
        "usage: dotnet run -c Release --project tools/Mplane.Tools.AnalysisEvaluation -- [DAYS=3] [RATE=4] [PER_KIND=8] [SEEDS=1,2]\n" +
        "  DAYS      simulated days of 5-minute Tstat files (at least 1)\n" +
        "  RATE      mean flows per second of ordinary traffic\n" +
        "  PER_KIND  anomalies of each kind (portscan, ddos, outage, flashcrowd), placed after a 10 % clean lead-in\n" +
        "  SEEDS     the generator's seeds, comma-separated: one independent run each, scored together\n" +
        "Writes docs/analysis.md and docs/analysis-kl-refset.svg; the database is MPLANE_PG, conf/repository.yaml's, or the private cluster.";

    /// <summary>The simulated span.</summary>
    public TimeSpan Duration => TimeSpan.FromDays(Days);

    /// <summary>Parses the positional arguments; a <see cref="FormatException"/> says which one is wrong.</summary>
    public static EvaluationOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count > 4)
        {
            throw new FormatException($"expected at most 4 arguments, found {args.Count}");
        }

        var defaults = new EvaluationOptions();
        string? At(int i) => i < args.Count ? args[i] : null;
        var options = new EvaluationOptions(
            At(0) is { } days ? Number(days, "DAYS") : defaults.Days,
            At(1) is { } rate ? Number(rate, "RATE") : defaults.Rate,
            At(2) is { } perKind ? (int)Math.Min(Whole(perKind, "PER_KIND"), int.MaxValue) : defaults.PerKind,
            At(3) is { } seeds ? [.. seeds.Split(',').Select(s => Whole(s, "SEEDS"))] : defaults.Seeds);
        if (options.Days < 1 || options.Days > 60 || options.Duration.Ticks % TimeSpan.FromMinutes(5).Ticks != 0)
        {
            throw new FormatException($"DAYS must be between 1 and 60 and a whole number of 5-minute bins, found {options.Days}");
        }

        if (options.Rate <= 0 || options.Rate > 1000)
        {
            throw new FormatException($"RATE must be above 0 and at most 1000 flows per second, found {options.Rate}");
        }

        if (options.PerKind is < 1 or > 100)
        {
            throw new FormatException($"PER_KIND must be between 1 and 100, found {options.PerKind}");
        }

        return options.Seeds.Distinct().Count() == options.Seeds.Count
            ? options
            : throw new FormatException($"SEEDS must be different, found {string.Join(',', options.Seeds)}");
    }

    /// <summary>The arguments that reproduce these options.</summary>
    public string Arguments => string.Create(CultureInfo.InvariantCulture, $"{Days} {Rate} {PerKind} {string.Join(',', Seeds)}");

    private static double Number(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new FormatException($"{name} must be a number, found '{text}'");

    private static ulong Whole(string text, string name) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{name} must be a whole number, found '{text}'");
}
