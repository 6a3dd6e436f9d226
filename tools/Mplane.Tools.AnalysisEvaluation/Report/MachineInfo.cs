using System.Globalization;
using System.Runtime.InteropServices;

namespace Mplane.Tools.AnalysisEvaluation.Report;

/// <summary>The machine the evaluation ran on, as the report states it.</summary>
/// <param name="Cpu">The CPU's model name.</param>
/// <param name="Cores">Logical cores.</param>
/// <param name="MemoryGiB">Physical memory.</param>
/// <param name="OperatingSystem">The OS.</param>
/// <param name="Runtime">The .NET runtime.</param>
public sealed record MachineInfo(string Cpu, int Cores, double MemoryGiB, string OperatingSystem, string Runtime)
{
    /// <summary>Reads it from <c>/proc</c> and the runtime.</summary>
    public static async Task<MachineInfo> ReadAsync(CancellationToken cancellationToken)
    {
        var cpu = await FieldAsync("/proc/cpuinfo", "model name", cancellationToken).ConfigureAwait(false) ?? "unknown";
        var memory = await FieldAsync("/proc/meminfo", "MemTotal", cancellationToken).ConfigureAwait(false) is { } text &&
                     double.TryParse(text.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var kib)
            ? kib / (1024 * 1024)
            : double.NaN;
        return new MachineInfo(cpu, Environment.ProcessorCount, memory, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription);
    }

    /// <summary>One line for the report.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Cpu}, {Cores} cores, {MemoryGiB:0} GiB, {OperatingSystem}, {Runtime}");

    private static async Task<string?> FieldAsync(string path, string name, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim() == name)
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }
}
