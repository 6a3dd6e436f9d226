using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mplane.Postgres;

/// <summary>The port and credentials of a private cluster, kept in <see cref="ClusterLayout.StateFile"/>.</summary>
/// <param name="Port">The TCP port on 127.0.0.1 (also the unix socket's number).</param>
/// <param name="User">The superuser role.</param>
/// <param name="Password">The role's password, generated at initdb.</param>
/// <param name="Database">The database the project uses.</param>
public sealed record ClusterCredentials(int Port, string User, string Password, string Database)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Reads the state file, or null when there is none.</summary>
    public static ClusterCredentials? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ClusterCredentials>(File.ReadAllText(path), JsonOptions)
                ?? throw new InvalidDataException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid cluster state file: {e.Message}", e);
        }
    }

    /// <summary>Writes the state file readable and writable only by its owner, replacing it atomically.</summary>
    public void Write(string path)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            JsonSerializer.Serialize(stream, this, JsonOptions);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
