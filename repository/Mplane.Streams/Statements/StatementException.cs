namespace Mplane.Streams.Statements;

/// <summary>
/// A statement or script that cannot be parsed. <see cref="Position"/> is 0-based in the text that
/// was parsed; the message names the problem, the line (when the text has several) and column,
/// and shows the line with a caret under the offending text.
/// </summary>
public sealed class StatementException : Exception
{
    // Lines of a script may be long (a 1 MB INSERT on one line): the excerpt shows this much either side of the caret.
    private const int ExcerptRadius = 60;

    /// <summary>Creates the error for <paramref name="text"/> at <paramref name="position"/>.</summary>
    public StatementException(string problem, string text, int position, int length = 1)
        : this(problem, text, Locate(text, position), length)
    {
    }

    private StatementException(string problem, string text, Location at, int length)
        : base(Describe(problem, text, at, length))
    {
        Problem = problem;
        Text = text;
        Position = at.Position;
        Length = Math.Max(1, length);
        Line = at.Line;
        Column = at.Column;
    }

    /// <summary>What is wrong, without the position.</summary>
    public string Problem { get; }

    /// <summary>The text that was parsed.</summary>
    public string Text { get; }

    /// <summary>Where the problem starts (0-based offset in <see cref="Text"/>).</summary>
    public int Position { get; }

    /// <summary>How many characters the problem spans (at least 1).</summary>
    public int Length { get; }

    /// <summary>The line of <see cref="Position"/> (1-based).</summary>
    public int Line { get; }

    /// <summary>The column of <see cref="Position"/> in its line (1-based).</summary>
    public int Column { get; }

    /// <summary>The same problem in a larger text that holds this one's text at <paramref name="offset"/> (a statement in its script).</summary>
    public StatementException Within(string outer, int offset) => new(Problem, outer, offset + Position, Length);

    private readonly record struct Location(int Position, int Line, int Column, int LineStart, int LineEnd);

    private static Location Locate(string text, int position)
    {
        position = Math.Clamp(position, 0, text.Length);
        var lineStart = position == 0 ? 0 : text.LastIndexOf('\n', position - 1) + 1;
        var lineEnd = text.IndexOf('\n', position);
        var line = 1 + text.AsSpan(0, lineStart).Count('\n');
        return new Location(position, line, position - lineStart + 1, lineStart, lineEnd < 0 ? text.Length : lineEnd);
    }

    private static string Describe(string problem, string text, Location at, int length)
    {
        var where = text.Contains('\n', StringComparison.Ordinal) ? $"line {at.Line}, column {at.Column}" : $"column {at.Column}";
        var from = Math.Max(at.LineStart, at.Position - ExcerptRadius);
        var to = Math.Min(at.LineEnd, at.Position + ExcerptRadius);
        var excerpt = (from > at.LineStart ? "..." : string.Empty) + text[from..to].TrimEnd('\r').Replace('\t', ' ') + (to < at.LineEnd ? "..." : string.Empty);
        var indent = at.Position - from + (from > at.LineStart ? 3 : 0);
        var carets = Math.Clamp(length, 1, Math.Max(1, to - at.Position));
        return $"{problem} (at {where})\n  {excerpt}\n  {new string(' ', indent)}{new string('^', carets)}";
    }
}
