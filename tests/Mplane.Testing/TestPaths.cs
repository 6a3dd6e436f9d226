using Mplane.Configuration;

namespace Mplane.Testing;

/// <summary>Folders tests read from: the project, and the shared sample data beside it (read in place, never copied).</summary>
public static class TestPaths
{
    /// <summary>The project's home as the tests see it (MPLANE_DATA is honoured, as scripts/test sets it).</summary>
    public static ProjectHome Home { get; } = ProjectHome.Discover();

    /// <summary><c>../shared/data</c> beside the project's root, or <c>$MPLANE_SHARED_DATA</c>.</summary>
    public static string SharedData
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("MPLANE_SHARED_DATA")
                ?? Path.GetFullPath(Path.Combine(Home.Root, "..", "shared", "data"));
            return Directory.Exists(path)
                ? path
                : throw new DirectoryNotFoundException(
                    $"the shared sample data is not at {path}: clone the project beside shared/ or set MPLANE_SHARED_DATA");
        }
    }

    /// <summary>The real Tstat sample files of DBStream's tests.</summary>
    public static string TstatSamples => Path.Combine(SharedData, "dbstream-examples", "example_data");

    /// <summary>The real MAWI sample files of DBStream's tests.</summary>
    public static string MawiSamples => Path.Combine(SharedData, "dbstream-examples", "example_mawi");
}
