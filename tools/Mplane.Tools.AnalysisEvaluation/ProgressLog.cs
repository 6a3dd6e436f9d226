using System.Diagnostics;
using System.Globalization;

namespace Mplane.Tools.AnalysisEvaluation;

/// <summary>Progress lines on standard error, each with the time since the start, and the time each stage took.</summary>
public sealed class ProgressLog(TextWriter writer)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(string Stage, TimeSpan Took)> _stages = [];

    /// <summary>The stages timed so far, in order.</summary>
    public IReadOnlyList<(string Stage, TimeSpan Took)> Stages => _stages;

    /// <summary>Time since the start.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Writes one line.</summary>
    public void Say(string message) =>
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,7:0.0} s] {message}"));

    /// <summary>Runs a stage, announcing it and recording how long it took.</summary>
    public async Task<T> StageAsync<T>(string stage, Func<Task<T>> run)
    {
        Say($"{stage}...");
        var started = _clock.Elapsed;
        var result = await run().ConfigureAwait(false);
        var took = _clock.Elapsed - started;
        _stages.Add((stage, took));
        Say(string.Create(CultureInfo.InvariantCulture, $"{stage}: done in {took.TotalSeconds:0.0} s"));
        return result;
    }
}
