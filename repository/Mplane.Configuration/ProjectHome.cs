namespace Mplane.Configuration;

/// <summary>
/// The project's folders on disk: its root (the folder holding <c>Mplane.sln</c>), the local state
/// folder <c>.data</c> and the configuration folder <c>conf</c>.
/// </summary>
/// <remarks>
/// Published executables live in <c>&lt;root&gt;/bin</c> and tests in <c>&lt;root&gt;/tests/.../bin</c>, so
/// walking up from the executable finds the root wherever the command is started from.
/// <c>MPLANE_HOME</c> overrides the search; <c>MPLANE_DATA</c> moves the state folder.
/// </remarks>
public sealed class ProjectHome
{
    /// <summary>The file that marks the project's root folder.</summary>
    public const string MarkerFile = "Mplane.sln";

    /// <summary>Creates a home for an explicit root and state folder.</summary>
    public ProjectHome(string root, string? dataDirectory = null)
    {
        Root = Path.GetFullPath(root);
        DataDirectory = Path.GetFullPath(dataDirectory ?? Path.Combine(Root, ".data"));
    }

    /// <summary>The project's root folder.</summary>
    public string Root { get; }

    /// <summary>Local state: the embedded database, test results, generated data.</summary>
    public string DataDirectory { get; }

    /// <summary>The sample and active configuration files.</summary>
    public string ConfDirectory => Path.Combine(Root, "conf");

    /// <summary>
    /// Finds the home from the environment (<c>MPLANE_HOME</c>, <c>MPLANE_DATA</c>), else by walking up
    /// from the running executable, else from the current directory, else uses the current directory.
    /// </summary>
    public static ProjectHome Discover(IEnvironment? environment = null)
    {
        environment ??= ProcessEnvironment.Instance;
        var data = environment.Get("MPLANE_DATA");
        var explicitRoot = environment.Get("MPLANE_HOME");
        if (!string.IsNullOrWhiteSpace(explicitRoot))
        {
            return new ProjectHome(explicitRoot, data);
        }

        var root = FindMarkerAbove(AppContext.BaseDirectory)
            ?? FindMarkerAbove(Environment.CurrentDirectory)
            ?? Environment.CurrentDirectory;
        return new ProjectHome(root, string.IsNullOrWhiteSpace(data) ? null : data);
    }

    private static string? FindMarkerAbove(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, MarkerFile)))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
