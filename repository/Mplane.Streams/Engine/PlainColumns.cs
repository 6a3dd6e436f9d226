using System.Text.RegularExpressions;

namespace Mplane.Streams.Engine;

/// <summary>
/// Whether a stream table's column list is plain: names, types (with an optional length or precision
/// and <c>[]</c>) and NULL / NOT NULL / key markers, nothing else. The repository's API accepts only
/// such lists: a DEFAULT, CHECK or GENERATED expression would run SQL of the caller's choosing.
/// </summary>
public static partial class PlainColumns
{
    /// <summary>Whether <paramref name="columns"/> is a plain column list.</summary>
    public static bool Are(string columns)
    {
        try
        {
            return columns.Length <= 8192 && Pattern().IsMatch(columns);
        }
        catch (RegexMatchTimeoutException)
        {
            return false; // too contrived to be a plain list
        }
    }

    [GeneratedRegex(
        @"^\s*[a-z_][a-z0-9_]*\s+[a-z][a-z ]*?(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])?(\s+(not\s+null|null|primary\s+key|unique))*\s*(,\s*[a-z_][a-z0-9_]*\s+[a-z][a-z ]*?(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])?(\s+(not\s+null|null|primary\s+key|unique))*\s*)*\z",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Pattern();
}
