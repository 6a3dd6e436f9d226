using Mplane.Analysis.Detectors;
using Mplane.Configuration;

namespace Mplane.Analysis;

/// <summary>
/// <c>conf/analysis.yaml</c>: what anomaly detection reads and each detector's parameters, every key
/// optional (the defaults are the <see cref="AnalysisSettings"/> ones). Keys are snake_case; a wrong
/// value stops the program with the file and key.
/// </summary>
public sealed class AnalysisConfiguration
{
    /// <summary>The default file name inside the configuration folder.</summary>
    public const string DefaultFileName = "analysis.yaml";

    /// <summary>The bin, e.g. <c>5m</c> (the feature job's window).</summary>
    public string? Bin { get; set; }

    /// <summary>The table of per-bin distributions.</summary>
    public string? FeaturesTable { get; set; }

    /// <summary>The features watched.</summary>
    public List<string>? Features { get; set; }

    /// <summary>The counts watched.</summary>
    public List<CountSection>? Counts { get; set; }

    /// <summary>The distribution detector.</summary>
    public Dictionary<string, double>? KlRefset { get; set; }

    /// <summary>The entropy detector.</summary>
    public Dictionary<string, double>? EntropyCusum { get; set; }

    /// <summary>The count detector.</summary>
    public Dictionary<string, double>? MedianMad { get; set; }

    /// <summary>Reads <paramref name="file"/>, or <c>conf/analysis.yaml</c> of <paramref name="home"/> (all defaults when it does not exist).</summary>
    public static AnalysisSettings Load(ProjectHome home, string? file = null)
    {
        var path = file ?? Path.Combine(home.ConfDirectory, DefaultFileName);
        if (file is null && !File.Exists(path))
        {
            return new AnalysisSettings();
        }

        if (!File.Exists(path))
        {
            throw new ConfigurationException(path, null, "the configuration file does not exist");
        }

        return YamlConfigurationReader.Read<AnalysisConfiguration>(path).ToSettings(path);
    }

    /// <summary>The settings this configuration gives; <paramref name="source"/> names the file in errors.</summary>
    public AnalysisSettings ToSettings(string source)
    {
        var defaults = new AnalysisSettings();
        var bin = defaults.Bin;
        if (Bin is { } text && (!Spans.TryParse(text, out bin) || bin < TimeSpan.FromMinutes(1) || TimeSpan.FromDays(1).Ticks % bin.Ticks != 0))
        {
            throw new ConfigurationException(source, "bin", $"'{text}' is not a bin length dividing a day, such as 5m");
        }

        foreach (var (count, i) in (Counts ?? []).Select((c, i) => (c, i)))
        {
            if (string.IsNullOrWhiteSpace(count.Name) || string.IsNullOrWhiteSpace(count.Table) || string.IsNullOrWhiteSpace(count.Column))
            {
                throw new ConfigurationException(source, $"counts[{i}]", "name, table and column are required");
            }
        }

        var settings = defaults with
        {
            Bin = bin,
            FeaturesTable = FeaturesTable ?? defaults.FeaturesTable,
            Features = Features ?? defaults.Features,
            Counts = Counts?.Select(c => new CountSource(c.Name!, c.Table!, c.Column!, c.K)).ToList() ?? defaults.Counts,
            KlRefset = Apply(defaults.KlRefset, KlRefset, source, "kl_refset"),
            EntropyCusum = Apply(defaults.EntropyCusum, EntropyCusum, source, "entropy_cusum"),
            MedianMad = Apply(defaults.MedianMad, MedianMad, source, "median_mad"),
        };
        Validate(settings, source);
        return settings;
    }

    /// <summary>Refuses values the detectors cannot work with (a zero spread would make every score infinite).</summary>
    private static void Validate(AnalysisSettings settings, string source)
    {
        static void Require(bool ok, string source, string key, string rule)
        {
            if (!ok)
            {
                throw new ConfigurationException(source, key, rule);
            }
        }

        var (kl, cusum, mad) = (settings.KlRefset, settings.EntropyCusum, settings.MedianMad);
        Require(kl.ReferenceSize >= 1 && kl.MinReferences >= 2 && kl.ReferenceSize >= kl.MinReferences, source, "kl_refset.reference_size",
            "reference_size must be at least min_references, and min_references at least 2");
        Require(kl.Top >= 1, source, "kl_refset.top", "must be at least 1");
        Require(kl.Percentile is > 0 and <= 100, source, "kl_refset.percentile", "must be in (0, 100]");
        Require(kl.Gamma >= 1, source, "kl_refset.gamma", "must be at least 1 (a safety factor)");
        Require(kl.MinThreshold > 0, source, "kl_refset.min_threshold", "must be above 0");
        Require(cusum.Alpha is > 0 and < 1, source, "entropy_cusum.alpha", "must be in (0, 1)");
        Require(cusum.Threshold > 0, source, "entropy_cusum.threshold", "must be above 0");
        Require(cusum.Training >= 1, source, "entropy_cusum.training", "must be at least 1");
        Require(cusum.MinStd > 0, source, "entropy_cusum.min_std", "must be above 0");
        Require(mad.MinHistory >= 1, source, "median_mad.min_history", "must be at least 1");
        Require(mad.K > 0, source, "median_mad.k", "must be above 0");
        Require(mad.MadFloor > 0, source, "median_mad.mad_floor", "must be above 0");
        Require(settings.Features.Distinct(StringComparer.Ordinal).Count() == settings.Features.Count, source, "features", "a feature is listed twice");
        Require(settings.Counts.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() == settings.Counts.Count, source, "counts", "a count name is listed twice");
    }

    /// <summary>
    /// The defaults with the given parameters replaced, matched by snake_case name to the record's
    /// constructor parameters; an unknown name is an error that lists the known ones.
    /// </summary>
    private static T Apply<T>(T defaults, Dictionary<string, double>? given, string source, string section)
        where T : class
    {
        if (given is null || given.Count == 0)
        {
            return defaults;
        }

        var json = System.Text.Json.Nodes.JsonNode.Parse(AnalysisJson.Write(defaults))!.AsObject();
        foreach (var (key, value) in given)
        {
            if (!json.ContainsKey(key))
            {
                throw new ConfigurationException(source, $"{section}.{key}", $"unknown parameter (known: {string.Join(", ", json.Select(p => p.Key))})");
            }

            if (double.IsNaN(value) || value < 0)
            {
                throw new ConfigurationException(source, $"{section}.{key}", $"{value} must be a non-negative number");
            }

            // Whole numbers as integers, so that they fit integer parameters (days, bins) as well as real ones.
            json[key] = value % 1 == 0 ? (long)value : value;
        }

        try
        {
            return AnalysisJson.Read<T>(json.ToJsonString());
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ConfigurationException(source, section, $"a parameter has the wrong type: {e.Message}");
        }
    }

    /// <summary>A count series in the configuration.</summary>
    public sealed class CountSection
    {
        /// <summary>The feature name in alarms.</summary>
        public string? Name { get; set; }

        /// <summary>The table.</summary>
        public string? Table { get; set; }

        /// <summary>The column.</summary>
        public string? Column { get; set; }

        /// <summary>The threshold, instead of the detector's.</summary>
        public double? K { get; set; }
    }
}
