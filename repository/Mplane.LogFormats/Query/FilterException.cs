namespace Mplane.LogFormats.Query;

/// <summary>
/// A filter expression that cannot be compiled. <see cref="Position"/> is 0-based; the message
/// carries the expression with a caret under the offending text.
/// </summary>
public sealed class FilterException : Exception
{
    /// <summary>Creates the error for <paramref name="expression"/> at <paramref name="position"/>.</summary>
    public FilterException(string problem, string expression, int position, int length = 1)
        : base($"{problem} (at column {position + 1})\n  {expression}\n  {new string(' ', Math.Max(0, position))}{new string('^', Math.Max(1, length))}")
    {
        Problem = problem;
        Expression = expression;
        Position = position;
    }

    /// <summary>What is wrong, without the position.</summary>
    public string Problem { get; }

    /// <summary>The whole expression.</summary>
    public string Expression { get; }

    /// <summary>Where the problem starts (0-based).</summary>
    public int Position { get; }
}
