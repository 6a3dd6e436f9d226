using Mplane.Generators.Tstat;

namespace Mplane.Cli.Commands;

/// <summary>
/// Reports generated files on a terminal as one line rewritten in place; silent when standard error
/// is redirected, so logs and pipes get only the final summary.
/// </summary>
internal sealed class FileProgress(TextWriter terminal) : IProgress<GeneratedFile>, IDisposable
{
    private readonly Lock _lock = new();
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private int _files;
    private long _flows;

    public void Report(GeneratedFile value)
    {
        if (!_interactive)
        {
            return;
        }

        lock (_lock)
        {
            _files++;
            _flows += value.Flows;
            terminal.Write($"\r  {_files} files, {_flows:N0} flows written (last: {value.PeriodStart:yyyy-MM-dd HH:mm})   ");
        }
    }

    public void Dispose()
    {
        if (_interactive && _files > 0)
        {
            terminal.WriteLine();
        }
    }
}
