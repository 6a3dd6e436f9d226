using System.Text.RegularExpressions;

namespace Mplane.Math.Transfer;

/// <summary>
/// Validation of the names a peer sends: stream names and types (which become table names and pick
/// readers) and file paths relative to a stream (which become file names in the spool). Anything
/// that is not plainly safe is refused with a message that says why; nothing is "cleaned".
/// </summary>
public static partial class TransferNames
{
    /// <summary>The longest relative path accepted.</summary>
    public const int MaxPathLength = 1024;

    /// <summary>Validates a stream name: letters, digits and underscores, starting with a letter, at most 48 characters.</summary>
    /// <exception cref="ArgumentException">The name is not allowed.</exception>
    public static string Stream(string? name) =>
        name is not null && StreamPattern().IsMatch(name)
            ? name
            : throw new ArgumentException($"stream name '{name}' is not allowed: use 1 to 48 letters, digits and underscores, starting with a letter");

    /// <summary>Validates a stream type (<c>log_tcp_complete_v15</c>, <c>mawi_wide</c>...): the same alphabet, at most 63 characters.</summary>
    /// <exception cref="ArgumentException">The type is not allowed.</exception>
    public static string StreamType(string? type) =>
        type is not null && TypePattern().IsMatch(type)
            ? type
            : throw new ArgumentException($"stream type '{type}' is not allowed: use 1 to 63 letters, digits and underscores, starting with a letter");

    /// <summary>
    /// Validates a relative file path: '/'-separated segments of letters, digits, '.', '_' and '-',
    /// none of them '.' or '..' or starting with a dot, no leading '/', at most <see cref="MaxPathLength"/> characters.
    /// </summary>
    /// <exception cref="ArgumentException">The path is not allowed.</exception>
    public static string RelativePath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path.Length > MaxPathLength)
        {
            throw new ArgumentException($"file path '{path}' is not allowed: it must have 1 to {MaxPathLength} characters");
        }

        foreach (var segment in path.Split('/'))
        {
            if (!SegmentPattern().IsMatch(segment))
            {
                throw new ArgumentException(
                    $"file path '{path}' is not allowed: segment '{segment}' must be letters, digits, '.', '_' or '-', not empty and not starting with a dot");
            }
        }

        return path;
    }

    /// <summary><paramref name="relative"/> (validated) under <paramref name="root"/>; checked again to stay inside it.</summary>
    public static string Under(string root, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(root, RelativePath(relative)));
        var prefix = Path.GetFullPath(root).TrimEnd('/') + "/";
        return full.StartsWith(prefix, StringComparison.Ordinal)
            ? full
            : throw new ArgumentException($"file path '{relative}' leaves its directory");
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]{0,47}\z", RegexOptions.CultureInvariant)]
    private static partial Regex StreamPattern();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TypePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_\-][A-Za-z0-9._\-]{0,254}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SegmentPattern();
}
