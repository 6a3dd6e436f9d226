using System.IO.Enumeration;
using Mplane.LogFormats.Tstat;

namespace Mplane.Math.Transfer;

/// <summary>A log file that Tstat has finished writing.</summary>
/// <param name="RelativePath">Its path under the probe's directory, '/'-separated.</param>
/// <param name="FullPath">Its absolute path.</param>
/// <param name="Time">Its period's start (the <c>.out</c> folder's name, UTC).</param>
/// <param name="Size">Its length when listed.</param>
public sealed record FinishedFile(string RelativePath, string FullPath, DateTimeOffset Time, long Size);

/// <summary>What a walk of the probe's directory found.</summary>
/// <param name="Files">The finished files from the start time on, oldest period first.</param>
/// <param name="Unplaced">Files outside any <c>YYYY_MM_DD_HH_MM.out</c> folder (skipped, not fatal).</param>
/// <param name="HeldBack">Files of the newest period, which Tstat may still be writing.</param>
public sealed record FileSelection(IReadOnlyList<FinishedFile> Files, IReadOnlyList<string> Unplaced, int HeldBack);

/// <summary>
/// Chooses the files a probe may ship: Tstat writes every log of the current rotation period into
/// the newest <c>.out</c> folder, so all files of that folder are held back (the original held back
/// only the single newest file, and listed the others while they were being written). Files are
/// placed in time by their folder's name in UTC, taken from <paramref name="start"/> on (inclusive),
/// optionally only those whose name matches a glob of log kinds (<c>log_tcp_*</c>).
/// </summary>
public static class FinishedFiles
{
    /// <summary>Walks <paramref name="root"/>.</summary>
    /// <param name="root">The probe's directory.</param>
    /// <param name="start">The first period to ship.</param>
    /// <param name="kinds">A file-name glob (<c>*</c> and <c>?</c>), or null for every file.</param>
    /// <param name="holdNewest">False once the capture has ended and the newest period is finished too.</param>
    public static FileSelection Select(string root, DateTimeOffset start, string? kinds = null, bool holdNewest = true)
    {
        var fullRoot = Path.GetFullPath(root);
        var placed = new List<FinishedFile>();
        var unplaced = new List<string>();
        // Symbolic links (to files or folders) are skipped: they could lead out of the directory, or in circles.
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System | FileAttributes.ReparsePoint,
        };
        foreach (var info in new DirectoryInfo(fullRoot).EnumerateFiles("*", options))
        {
            if (info.LinkTarget is not null)
            {
                continue; // a symbolic link may lead out of the directory
            }

            var relative = Path.GetRelativePath(fullRoot, info.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (kinds is not null && !FileSystemName.MatchesSimpleExpression(kinds, info.Name, ignoreCase: false))
            {
                continue;
            }

            if (TstatDirectoryLayout.PeriodStart(info.FullName) is { } time && info.Directory?.FullName != fullRoot)
            {
                placed.Add(new FinishedFile(relative, info.FullName, time, info.Length));
            }
            else
            {
                unplaced.Add(relative);
            }
        }

        var newest = placed.Count > 0 ? placed.Max(f => f.Time) : DateTimeOffset.MinValue;
        var heldBack = holdNewest ? placed.Count(f => f.Time == newest) : 0;
        var files = placed
            .Where(f => f.Time >= start && !(holdNewest && f.Time == newest))
            .OrderBy(f => f.Time).ThenBy(f => f.RelativePath, StringComparer.Ordinal)
            .ToList();
        return new FileSelection(files, unplaced, heldBack);
    }
}
