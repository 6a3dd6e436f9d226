using Microsoft.Extensions.Logging;

namespace Mplane.Cli.Commands;

/// <summary>The console logging of the commands that run for a while (components, analysis, jobs, streams).</summary>
internal static class ConsoleLoggers
{
    /// <summary>One line per event, UTC times.</summary>
    public static ILoggerFactory Create() =>
        LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.UseUtcTimestamp = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ssZ "; }));
}
