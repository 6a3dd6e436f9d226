using Mplane.Streams.Statements;

namespace Mplane.Streams.Tests;

/// <summary>Asserts that a statement is refused with a given problem at a given place.</summary>
internal static class Refusal
{
    /// <summary>
    /// Parses <paramref name="text"/> and expects a refusal whose problem contains
    /// <paramref name="problem"/>, at the first occurrence of <paramref name="at"/> after
    /// <paramref name="skip"/> earlier ones, or at the end of the text when <paramref name="at"/> is null.
    /// </summary>
    public static StatementException Assert(string text, string problem, string? at, int skip = 0)
    {
        var error = Xunit.Assert.Throws<StatementException>(() => StatementParser.Parse(text));
        Xunit.Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
        var position = PositionOf(text, at, skip);
        Xunit.Assert.Equal(position, error.Position);
        var lineStart = position == 0 ? 0 : text.LastIndexOf('\n', position - 1) + 1;
        Xunit.Assert.Contains($"column {position - lineStart + 1})", error.Message, StringComparison.Ordinal);
        return error;
    }

    public static int PositionOf(string text, string? at, int skip = 0)
    {
        if (at is null)
        {
            return text.Length;
        }

        var position = -1;
        for (var i = 0; i <= skip; i++)
        {
            position = text.IndexOf(at, position + 1, StringComparison.Ordinal);
            Xunit.Assert.True(position >= 0, $"the test's marker '{at}' is not in the text");
        }

        return position;
    }
}
