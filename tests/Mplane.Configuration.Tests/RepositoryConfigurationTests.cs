using Mplane.Testing;

namespace Mplane.Configuration.Tests;

public sealed class RepositoryConfigurationTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new("conf");

    [Fact]
    public void The_sample_configuration_parses_to_the_defaults()
    {
        var sample = Path.Combine(TestPaths.Home.ConfDirectory, RepositoryConfiguration.DefaultFileName);
        var configuration = RepositoryConfiguration.Load(TestPaths.Home, sample);
        Assert.Null(configuration.Database.Connection);
    }

    [Fact]
    public void A_missing_default_file_means_defaults_but_a_missing_named_file_is_an_error()
    {
        var home = new ProjectHome(_directory.Path);
        Assert.Null(RepositoryConfiguration.Load(home).Database.Connection);

        var missing = _directory.Combine("nope.yaml");
        var error = Assert.Throws<ConfigurationException>(() => RepositoryConfiguration.Load(home, missing));
        Assert.Equal(missing, error.File);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_is_an_error_naming_file_line_and_key()
    {
        var file = _directory.Combine("repository.yaml");
        File.WriteAllText(file, "database:\n  connection: Host=x\n  conection: typo\n");
        var error = Assert.Throws<ConfigurationException>(() => RepositoryConfiguration.Load(new ProjectHome(_directory.Path), file));
        Assert.Equal(3, error.Line);
        Assert.StartsWith($"{file}:3:", error.Message, StringComparison.Ordinal);
        Assert.Contains("conection", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Broken_yaml_is_an_error_with_its_line()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            YamlConfigurationReader.Parse<RepositoryConfiguration>("database:\n  connection: [unclosed\n", "inline.yaml"));
        Assert.Equal("inline.yaml", error.File);
        Assert.NotNull(error.Line);
    }

    [Fact]
    public void The_home_is_found_from_the_environment_or_by_walking_up_to_the_solution()
    {
        var discovered = ProjectHome.Discover(new DictionaryEnvironment(new Dictionary<string, string?>()));
        Assert.True(File.Exists(Path.Combine(discovered.Root, ProjectHome.MarkerFile)));
        Assert.Equal(Path.Combine(discovered.Root, ".data"), discovered.DataDirectory);

        var explicitHome = ProjectHome.Discover(new DictionaryEnvironment(new Dictionary<string, string?>
        {
            ["MPLANE_HOME"] = _directory.Path,
            ["MPLANE_DATA"] = _directory.Combine("state"),
        }));
        Assert.Equal(_directory.Path, explicitHome.Root);
        Assert.Equal(_directory.Combine("state"), explicitHome.DataDirectory);
    }

    public void Dispose() => _directory.Dispose();
}
