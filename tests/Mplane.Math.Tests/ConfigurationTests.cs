using Mplane.Configuration;
using Mplane.Math.Probe;
using Mplane.Math.Repo;
using Mplane.Testing;

namespace Mplane.Math.Tests;

public sealed class ConfigurationTests
{
    [Fact]
    public void The_original_probe_xml_means_pull_mode_with_its_attributes()
    {
        using var directory = new TemporaryDirectory("probexml");
        Directory.CreateDirectory(directory.Combine("example_data"));
        var xml = directory.Combine("math_probe.xml");
        File.WriteAllText(xml, """<config ip="localhost" port="3001" directory="example_data/" streamName="example_log_tcp_complete" streamType="log_tcp_complete_v15" fileTimeConvMethod="tstat"/>""");
        var configuration = ProbeConfiguration.Read(xml);
        configuration.Repository = "localhost:3000";
        configuration.StartTime = "2015-02-27T00:00:00";
        var settings = configuration.Validate(xml, directory.Path);
        Assert.Equal("pull", settings.Mode);
        Assert.Equal("localhost:3001", settings.Listen);
        Assert.Equal("example_data", settings.ListingPrefix);
        Assert.Equal("example_log_tcp_complete", settings.StreamName);
        Assert.Equal(1424995200, settings.StartTime.ToUnixTimeSeconds()); // UTC whatever the host's zone
    }

    [Theory]
    [InlineData("./new_PUL/", "new_PUL")]
    [InlineData("data//tstat/", "data/tstat")]
    public void The_listing_prefix_is_the_directory_cleaned_as_the_original_cleans_walk_paths(string directory, string prefix)
    {
        using var home = new TemporaryDirectory("prefix");
        Directory.CreateDirectory(home.Combine(directory.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray()));
        var settings = new ProbeConfiguration { Mode = "pull", Directory = directory, Repository = "localhost:3000" }.Validate("x.xml", home.Path);
        Assert.Equal(prefix, settings.ListingPrefix);
    }

    [Theory]
    [InlineData("2015-02-27T00:00:00", 1424995200)]
    [InlineData("2015-02-27T00:00:00Z", 1424995200)]
    [InlineData("2015-02-27T01:00:00+01:00", 1424995200)]
    public void Start_times_are_UTC_unless_they_say_otherwise(string text, long unix) =>
        Assert.Equal(unix, ProbeConfiguration.ParseStart(text)!.Value.ToUnixTimeSeconds());

    [Theory]
    [InlineData("mode: sideways", "mode")]
    [InlineData("file_time_conv_method: local", "file_time_conv_method")]
    [InlineData("stream_name: 'a;b'", "stream_name")]
    [InlineData("start_time: yesterday", "start_time")]
    [InlineData("repository: ftp://x", "repository")]
    [InlineData("directory: /no/such/dir", "directory")]
    [InlineData("repository: http://192.0.2.1:3000\ntoken: 0123456789abcdef0123", "token")]
    public void Probe_configuration_errors_name_the_key(string yaml, string key)
    {
        using var directory = new TemporaryDirectory("probeyaml");
        Directory.CreateDirectory(directory.Combine("tstat_output_logs"));
        var file = directory.Combine("math_probe.yaml");
        File.WriteAllText(file, yaml);
        var error = Assert.Throws<ConfigurationException>(() => ProbeConfiguration.Read(file).Validate(file, directory.Path));
        Assert.Equal(key, error.Key);
    }

    [Theory]
    [InlineData("listen: nowhere", "listen")]
    [InlineData("handler: dbs", "handler")]
    [InlineData("max_file_size: 10 G\nplain_http: true", "max_file_size")]
    [InlineData("poll_interval: often\nplain_http: true", "poll_interval")]
    [InlineData("spool: x", "tls")]
    [InlineData("tokens: {abcdefghijklmnopqrstuvwxyz: org.x}", "tokens")]
    [InlineData("tokens: {short: org.x}\nplain_http: true", "tokens")]
    [InlineData("tls: {cert: a.crt, ca_chain: ca.crt}", "tls.key")]
    public void Repository_configuration_errors_name_the_key(string yaml, string key)
    {
        var error = Assert.Throws<ConfigurationException>(() => Mplane.Configuration.YamlConfigurationReader.Parse<RepoConfiguration>(yaml, "math_repo.yaml").Validate("math_repo.yaml", "/tmp"));
        Assert.Equal(key, error.Key);
    }

    [Fact]
    public void The_shipped_sample_configurations_are_valid()
    {
        using var pki = new TestPki();
        var (cert, key) = pki.Server();
        var repoFile = Path.Combine(TestPaths.Home.ConfDirectory, "math_repo.yaml");
        var repo = YamlConfigurationReader.Read<RepoConfiguration>(repoFile);
        repo.Tls = new Transfer.Configuration.TlsSection { Cert = cert, Key = key, CaChain = pki.CaFile };
        var settings = repo.Validate(repoFile, TestPaths.Home.ConfDirectory);
        Assert.True(settings.Access.IsAllowed("org.mplane.SSB.Probes.Probe-1", "log_tcp_complete"));
        Assert.False(settings.Access.IsAllowed("org.mplane.SSB.Probes.Probe-1", RepoServer.StatusLabel));

        var probeFile = Path.Combine(TestPaths.Home.ConfDirectory, "math_probe.yaml");
        var probe = ProbeConfiguration.Read(probeFile);
        Assert.Equal("push", probe.Mode);
        Assert.Equal("127.0.0.1:3002", probe.StatusListen);
    }

    [Fact]
    public void The_original_repo_xml_maps_to_copy_or_the_warehouse()
    {
        using var directory = new TemporaryDirectory("repoxml");
        var xml = directory.Combine("math_repo.xml");
        File.WriteAllText(xml, """<config ip="localhost" port="3000"><import fileTimeConvMethod="tstat" pollInterval="3"><fileHandler type="copy" outDir="target"/></import></config>""");
        var configuration = OriginalRepoConfiguration.Read(xml);
        Assert.Equal("127.0.0.1:3000", configuration.Listen);
        Assert.Equal("copy", configuration.Handler);
        Assert.Equal("3s", configuration.PollInterval);
        Assert.Equal("no way to authenticate probes: configure tls (mutual TLS), tokens, or plain_http: true explicitly",
            Assert.Throws<ConfigurationException>(() => configuration.Validate(xml, directory.Path)).Problem);
    }
}
