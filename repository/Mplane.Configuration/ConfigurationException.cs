namespace Mplane.Configuration;

/// <summary>
/// A configuration problem, with the file, the line (when known) and the key it concerns, so that the
/// message alone tells the operator what to fix.
/// </summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>Creates the exception; the message is composed from its parts.</summary>
    public ConfigurationException(string file, string? key, string problem, int? line = null, Exception? inner = null)
        : base(Compose(file, key, problem, line), inner)
    {
        File = file;
        Key = key;
        Problem = problem;
        Line = line;
    }

    /// <summary>The configuration file (or source such as an environment variable).</summary>
    public string File { get; }

    /// <summary>The key concerned, dotted from the document's root, when known.</summary>
    public string? Key { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }

    /// <summary>The 1-based line in the file, when known.</summary>
    public int? Line { get; }

    private static string Compose(string file, string? key, string problem, int? line)
    {
        var where = line is null ? file : $"{file}:{line}";
        return key is null ? $"{where}: {problem}" : $"{where}: {key}: {problem}";
    }
}
