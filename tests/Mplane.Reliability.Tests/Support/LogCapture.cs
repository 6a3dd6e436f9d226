using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mplane.Reliability.Tests.Security;

/// <summary>
/// Keeps every event a server in this process logs, at every level (Kestrel's own debug events
/// included), as <c>level category: message</c> lines: the log an operator would read, for a test.
/// </summary>
internal sealed class LogCapture : ILoggerFactory, ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>The lines so far.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>How many lines satisfy <paramref name="match"/>.</summary>
    public int Count(Func<string, bool> match) => _lines.Count(match);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
    }
}
