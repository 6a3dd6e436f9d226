namespace Mplane.Configuration;

/// <summary>
/// The repository's configuration file (<c>conf/repository.yaml</c>). Sections are added by the
/// modules that need them; every key is optional and has a sensible default.
/// </summary>
public sealed class RepositoryConfiguration
{
    /// <summary>The default file name inside the configuration folder.</summary>
    public const string DefaultFileName = "repository.yaml";

    /// <summary>Where the data lives.</summary>
    public DatabaseSection Database { get; set; } = new();

    /// <summary>How much of each continuous table to keep.</summary>
    public List<RetentionSection> Retention { get; set; } = [];

    /// <summary>How <c>mplane repo run</c> hosts the modules.</summary>
    public HostSection Host { get; set; } = new();

    /// <summary>The modules <c>mplane repo run</c> runs.</summary>
    public ModulesSection Modules { get; set; } = new();

    /// <summary>
    /// Reads the given file, or <c>conf/repository.yaml</c> of <paramref name="home"/> when no file is
    /// named; a missing default file means all defaults, a missing named file is an error.
    /// </summary>
    public static RepositoryConfiguration Load(ProjectHome home, string? file = null)
    {
        if (file is not null)
        {
            if (!File.Exists(file))
            {
                throw new ConfigurationException(file, null, "the configuration file does not exist");
            }

            return YamlConfigurationReader.Read<RepositoryConfiguration>(file);
        }

        var defaultFile = Path.Combine(home.ConfDirectory, DefaultFileName);
        return File.Exists(defaultFile)
            ? YamlConfigurationReader.Read<RepositoryConfiguration>(defaultFile)
            : new RepositoryConfiguration();
    }
}

/// <summary>The <c>database</c> section.</summary>
public sealed class DatabaseSection
{
    /// <summary>
    /// An Npgsql connection string of an existing server. Empty: the embedded private cluster.
    /// The environment variable <c>MPLANE_PG</c> takes precedence over this key.
    /// </summary>
    public string? Connection { get; set; }
}

/// <summary>One entry of the <c>retention</c> section.</summary>
public sealed class RetentionSection
{
    /// <summary>The table, <c>[schema.]name</c>.</summary>
    public string? Table { get; set; }

    /// <summary>Drop partitions older than this (from the table's newest data), e.g. <c>30d</c>.</summary>
    public string? MaxAge { get; set; }

    /// <summary>Drop the oldest partitions while the table is larger than this, e.g. <c>10 GB</c>.</summary>
    public string? MaxSize { get; set; }
}
