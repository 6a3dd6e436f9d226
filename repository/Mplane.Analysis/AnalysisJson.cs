using System.Text.Json;

namespace Mplane.Analysis;

/// <summary>How analysis writes its JSON columns (parameters, state, contributors): snake_case, compact.</summary>
public static class AnalysisJson
{
    /// <summary>The serializer options.</summary>
    public static JsonSerializerOptions Options { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Writes <paramref name="value"/>.</summary>
    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Reads a <typeparamref name="T"/>.</summary>
    public static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"no {typeof(T).Name} in '{json}'");
}
