using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Mplane.Configuration;

/// <summary>
/// Reads a YAML configuration file into a typed object. Keys are snake_case; an unknown key, a
/// value of the wrong type or a syntax error becomes a <see cref="ConfigurationException"/> naming
/// the file and line, never a silently ignored setting.
/// </summary>
public static class YamlConfigurationReader
{
    /// <summary>Reads <paramref name="path"/> into a <typeparamref name="T"/>; an empty file gives a default instance.</summary>
    public static T Read<T>(string path)
        where T : class, new()
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(path, null, $"cannot read the file: {e.Message}", inner: e);
        }

        return Parse<T>(text, path);
    }

    /// <summary>Parses YAML text; <paramref name="source"/> names it in errors.</summary>
    public static T Parse<T>(string text, string source)
        where T : class, new()
    {
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .Build();
        try
        {
            return deserializer.Deserialize<T?>(text) ?? new T();
        }
        catch (YamlException e)
        {
            var problem = (e.InnerException ?? e).Message;
            throw new ConfigurationException(source, null, problem, (int)e.Start.Line, e);
        }
    }
}
