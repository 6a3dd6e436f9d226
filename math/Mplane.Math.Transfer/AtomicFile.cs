namespace Mplane.Math.Transfer;

/// <summary>
/// Replaces a small state file (running imports, collections) so that a crash leaves either the old
/// content or the new one, never a mix: written to a temporary file, flushed to disk, renamed over
/// the old one, and the directory flushed so the rename itself survives.
/// </summary>
public static class AtomicFile
{
    /// <summary>Replaces <paramref name="path"/>'s content with <paramref name="text"/> (UTF-8), durably.</summary>
    public static async Task WriteAsync(string path, string text, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        DirectorySync.CreateDirectory(directory);
        var temporary = path + ".tmp";
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        DirectorySync.Flush(directory);
    }
}
