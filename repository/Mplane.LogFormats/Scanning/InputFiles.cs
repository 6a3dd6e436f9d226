using Mplane.LogFormats.Tstat;

namespace Mplane.LogFormats.Scanning;

/// <summary>Expands the files and folders named on a command line into the inputs to read, in time order.</summary>
public static class InputFiles
{
    /// <summary>
    /// Files stay as named; a folder is walked in Tstat's layout: the files inside its
    /// <c>YYYY_MM_DD_HH_MM.out</c> folders, ordered by period and then by name (a folder without
    /// <c>.out</c> folders gives all its files by name). <paramref name="logGlob"/> keeps only files
    /// whose name matches (for example <c>log_tcp_complete*</c>).
    /// </summary>
    /// <exception cref="FileNotFoundException">A named path does not exist.</exception>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths, string? logGlob = null)
    {
        var result = new List<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                result.Add(path);
                continue;
            }

            if (!Directory.Exists(path))
            {
                throw new FileNotFoundException($"no such file or folder: {path}", path);
            }

            var files = Directory.EnumerateFiles(path, logGlob ?? "*", SearchOption.AllDirectories)
                .Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith(".partial", StringComparison.Ordinal))
                .Select(f => (File: f, Period: TstatDirectoryLayout.PeriodStart(f)))
                .ToList();
            var inLayout = files.Where(f => f.Period is not null).ToList();
            result.AddRange((inLayout.Count > 0 ? inLayout : files)
                .OrderBy(f => f.Period ?? DateTimeOffset.MinValue)
                .ThenBy(f => f.File, StringComparer.Ordinal)
                .Select(f => f.File));
        }

        return result;
    }
}
