using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mplane.Testing;

/// <summary>A logger provider keeping the events of one category as <c>Level: message</c> lines, for tests of what a server logs.</summary>
public sealed class LogLines(string category) : ConcurrentQueue<string>, ILoggerProvider
{
    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName == category ? this : null);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string>? lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => lines is not null;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines?.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
