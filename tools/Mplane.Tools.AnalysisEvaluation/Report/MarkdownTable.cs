using System.Text;

namespace Mplane.Tools.AnalysisEvaluation.Report;

/// <summary>A Markdown table, built row by row.</summary>
public sealed class MarkdownTable(params string[] headers)
{
    private readonly StringBuilder _text = new StringBuilder()
        .Append("| ").AppendJoin(" | ", headers).Append(" |\n")
        .Append('|').AppendJoin('|', headers.Select(_ => "---")).Append("|\n");

    /// <summary>Adds a row.</summary>
    public MarkdownTable Row(params IEnumerable<string> cells)
    {
        _text.Append("| ").AppendJoin(" | ", cells.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))).Append(" |\n");
        return this;
    }

    /// <inheritdoc />
    public override string ToString() => _text.ToString();
}
