namespace Mplane.Configuration;

/// <summary>Read access to environment variables, so that code depending on them can be tested.</summary>
public interface IEnvironment
{
    /// <summary>The variable's value, or null when it is not set.</summary>
    string? Get(string name);
}

/// <summary>The real process environment.</summary>
public sealed class ProcessEnvironment : IEnvironment
{
    /// <summary>The one instance; it holds no state.</summary>
    public static ProcessEnvironment Instance { get; } = new();

    private ProcessEnvironment()
    {
    }

    /// <inheritdoc />
    public string? Get(string name) => Environment.GetEnvironmentVariable(name);
}

/// <summary>A fixed set of variables, for tests and for child-process environments.</summary>
public sealed class DictionaryEnvironment(IReadOnlyDictionary<string, string?> values) : IEnvironment
{
    /// <inheritdoc />
    public string? Get(string name) => values.TryGetValue(name, out var value) ? value : null;
}
