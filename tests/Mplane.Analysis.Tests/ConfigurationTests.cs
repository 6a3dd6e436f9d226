using Mplane.Analysis;
using Mplane.Configuration;
using Mplane.Testing;
using Xunit;

namespace Mplane.Analysis.Tests;

/// <summary>conf/analysis.yaml: the shipped file gives the defaults, and wrong values name the key.</summary>
public sealed class ConfigurationTests
{
    [Fact]
    public void The_shipped_file_gives_exactly_the_defaults()
    {
        var shipped = AnalysisConfiguration.Load(TestPaths.Home, Path.Combine(TestPaths.Home.ConfDirectory, "analysis.yaml"));
        var defaults = new AnalysisSettings();
        Assert.Equal(AnalysisJson.Write(defaults with { Features = [], Counts = [] }), AnalysisJson.Write(shipped with { Features = [], Counts = [] }));
        Assert.Equal(defaults.Features, shipped.Features);
        Assert.Equal(defaults.Counts, shipped.Counts);
    }

    [Theory]
    [InlineData("bin: 7m", "bin")]
    [InlineData("kl_refset: {gama: 2}", "kl_refset.gama")]
    [InlineData("kl_refset: {days: 2.5}", "kl_refset")]
    [InlineData("median_mad: {k: -1}", "median_mad.k")]
    [InlineData("counts: [{name: flows}]", "counts[0]")]
    [InlineData("entropy_cusum: {min_std: 0}", "entropy_cusum.min_std")]
    [InlineData("median_mad: {mad_floor: 0}", "median_mad.mad_floor")]
    [InlineData("kl_refset: {min_references: 0}", "kl_refset.reference_size")]
    [InlineData("kl_refset: {percentile: 150}", "kl_refset.percentile")]
    [InlineData("kl_refset: {gamma: 0.5}", "kl_refset.gamma")]
    [InlineData("features: [rtt, rtt]", "features")]
    public void Wrong_values_name_the_key(string yaml, string key)
    {
        var error = Assert.Throws<ConfigurationException>(() => YamlConfigurationReader.Parse<AnalysisConfiguration>(yaml, "analysis.yaml").ToSettings("analysis.yaml"));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_parameters_replace_the_defaults()
    {
        var settings = YamlConfigurationReader.Parse<AnalysisConfiguration>("bin: 10m\nkl_refset: {gamma: 2, days: 14}\n", "analysis.yaml").ToSettings("analysis.yaml");
        Assert.Equal((TimeSpan.FromMinutes(10), 2.0, 14, 12), (settings.Bin, settings.KlRefset.Gamma, settings.KlRefset.Days, settings.KlRefset.Preceding));
    }
}
