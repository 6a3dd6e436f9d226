using System.Text;

namespace Mplane.Host.Remote;

/// <summary>One column of a <see cref="TextTable"/>.</summary>
/// <param name="Header">Its heading.</param>
/// <param name="Width">Its width in characters; the last column takes what is left of the line.</param>
/// <param name="Right">Right-aligned (numbers).</param>
internal sealed record TextColumn(string Header, int Width, bool Right = false);

/// <summary>
/// Aligned plain-text columns for a terminal of a known width: every cell is cut to its column
/// (marked with an ellipsis) so that a long name never shifts the columns after it, and no line is
/// longer than the width.
/// </summary>
internal sealed class TextTable(int lineWidth, params TextColumn[] columns)
{
    private readonly List<string> _lines = [];

    /// <summary>Adds the heading line.</summary>
    public TextTable Header()
    {
        _lines.Add(Line(columns.Select(c => c.Header).ToArray()));
        return this;
    }

    /// <summary>Adds a row of cells, one per column.</summary>
    public TextTable Row(params string[] cells)
    {
        _lines.Add(Line(cells));
        return this;
    }

    /// <summary>Adds a free line (a detail under a row), cut to the width.</summary>
    public TextTable Note(string text)
    {
        _lines.Add(Fit(text, lineWidth));
        return this;
    }

    /// <summary>Writes the lines.</summary>
    public void WriteTo(StringBuilder output)
    {
        foreach (var line in _lines)
        {
            output.Append(line).Append('\n');
        }
    }

    /// <summary>Cuts <paramref name="text"/> to <paramref name="width"/> characters, ending in an ellipsis when cut.</summary>
    public static string Fit(string text, int width) =>
        width <= 0 ? string.Empty : text.Length <= width ? text : text[..(width - 1)] + "…";

    /// <summary>Cuts <paramref name="text"/> to its last <paramref name="width"/> characters, starting with an ellipsis when cut (paths: the end tells most).</summary>
    public static string FitTail(string text, int width) =>
        width <= 0 ? string.Empty : text.Length <= width ? text : "…" + text[^(width - 1)..];

    private string Line(string[] cells)
    {
        var line = new StringBuilder(lineWidth);
        for (var i = 0; i < columns.Length; i++)
        {
            var cell = i < cells.Length ? cells[i] : string.Empty;
            if (i == columns.Length - 1)
            {
                line.Append(Fit(cell, lineWidth - line.Length));
                break;
            }

            var column = columns[i];
            var fitted = Fit(cell, column.Width);
            line.Append(column.Right ? fitted.PadLeft(column.Width) : fitted.PadRight(column.Width)).Append(' ');
        }

        return line.ToString().TrimEnd();
    }
}
