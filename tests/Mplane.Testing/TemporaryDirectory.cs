namespace Mplane.Testing;

/// <summary>A fresh folder under /tmp, removed with everything in it on dispose.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    /// <summary>Creates the folder; <paramref name="purpose"/> appears in its name to help when one is left behind.</summary>
    public TemporaryDirectory(string purpose = "test")
    {
        Path = Directory.CreateTempSubdirectory($"mplane-{purpose}-").FullName;
        // The server account of an embedded cluster must be able to enter it.
        File.SetUnixFileMode(Path, (UnixFileMode)0b111_101_101);
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>A path inside the folder.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A server still shutting down may hold a file for a moment; /tmp is cleaned eventually.
        }
    }
}
