using Mplane.Configuration;

namespace Mplane.Tools.AnalysisEvaluation.Report;

/// <summary>Writes <c>docs/analysis.md</c> and its plot into the project's <c>docs</c> folder.</summary>
public sealed class ReportWriter(ProjectHome home)
{
    /// <summary>The report's file name.</summary>
    public const string ReportFile = "analysis.md";

    /// <summary>The plot's file name.</summary>
    public const string PlotFile = "analysis-kl-refset.svg";

    /// <summary>Writes both files; returns their paths.</summary>
    public async Task<IReadOnlyList<string>> WriteAsync(EvaluationResult result, EvaluationOptions options, CancellationToken cancellationToken)
    {
        var docs = Path.Combine(home.Root, "docs");
        var context = new ReportContext(await MachineInfo.ReadAsync(cancellationToken).ConfigureAwait(false), DateTimeOffset.UtcNow, Command(options), PlotFile);
        var plot = Path.Combine(docs, PlotFile);
        var report = Path.Combine(docs, ReportFile);
        await File.WriteAllTextAsync(plot, new SvgPlot(result.Plot).Render(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(report, new MarkdownReport(result, context).Render(), cancellationToken).ConfigureAwait(false);
        return [report, plot];
    }

    /// <summary>The command that reruns the evaluation, with the database's folder when one was chosen by MPLANE_DATA.</summary>
    private string Command(EvaluationOptions options)
    {
        var data = ProcessEnvironment.Instance.Get("MPLANE_DATA");
        var prefix = string.IsNullOrWhiteSpace(data) ? string.Empty : $"MPLANE_DATA={Path.GetRelativePath(home.Root, data)} ";
        return $"{prefix}dotnet run -c Release --project tools/Mplane.Tools.AnalysisEvaluation -- {options.Arguments}";
    }
}
