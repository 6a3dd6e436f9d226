using System.Globalization;

namespace Mplane.Math.Transfer;

/// <summary>
/// Where files go that an import refused for what they hold (bad input, never a database that is
/// away): <c>&lt;root&gt;/&lt;stream&gt;/&lt;relative path&gt;</c>, out of the way of the next round, each
/// with <c>&lt;file&gt;.error.txt</c> beside it saying where the file was, the error (naming the file
/// and, where one applies, the line) and when. Moving the file back to where it was retries it.
/// </summary>
public sealed class Quarantine(string root)
{
    /// <summary>The suffix of the file beside each quarantined file that says why it is there.</summary>
    public const string ErrorSuffix = ".error.txt";

    /// <summary>The quarantine folder.</summary>
    public string Root { get; } = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));

    /// <summary>Where <paramref name="stream"/>'s file <paramref name="relative"/> goes; checked to stay inside its stream's folder.</summary>
    /// <exception cref="ArgumentException">The stream or the path would leave the folder.</exception>
    public string PathOf(string stream, string relative)
    {
        var streamFolder = Path.GetFullPath(Path.Combine(Root, stream));
        var full = Path.GetFullPath(Path.Combine(streamFolder, relative));
        return Path.GetDirectoryName(streamFolder) == Root && full.StartsWith(streamFolder + "/", StringComparison.Ordinal)
            ? full
            : throw new ArgumentException($"'{stream}/{relative}' leaves the quarantine folder {Root}");
    }

    /// <summary>Writes (durably) the error file of <paramref name="file"/> at its place in the quarantine; returns that place.</summary>
    public async Task<string> WriteErrorAsync(string file, string stream, string relative, string error, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var target = PathOf(stream, relative);
        DirectorySync.CreateDirectory(Path.GetDirectoryName(target)!);
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"file: {file}\nstream: {stream}\nquarantined: {at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}\nerror: {error}\n\nTo import it again, move it back to {file}\n");
        await AtomicFile.WriteAsync(target + ErrorSuffix, text, cancellationToken).ConfigureAwait(false);
        return target;
    }

    /// <summary>Moves <paramref name="file"/> to <paramref name="target"/> (from <see cref="WriteErrorAsync"/>) and flushes both folders.</summary>
    public static void Move(string file, string target)
    {
        File.Move(file, target, overwrite: true);
        DirectorySync.Flush(Path.GetDirectoryName(target)!);
        DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(file))!);
    }

    /// <summary>Writes the error file, then moves the file beside it; returns where it is now.</summary>
    public async Task<string> MoveAsync(string file, string stream, string relative, string error, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var target = await WriteErrorAsync(file, stream, relative, error, at, cancellationToken).ConfigureAwait(false);
        Move(file, target);
        return target;
    }
}
