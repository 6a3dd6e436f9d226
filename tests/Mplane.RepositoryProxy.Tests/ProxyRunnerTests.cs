using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Mplane.Components.Runtime;
using Mplane.RepositoryProxy;
using Mplane.Testing;
using Xunit;

namespace Mplane.RepositoryProxy.Tests;

/// <summary><see cref="ProxyRunner"/> as the repository host runs it: validated first, then run until cancelled.</summary>
public sealed class ProxyRunnerTests
{
    [Theory]
    [InlineData("[component]\nlisten-port = 1228\n[repository]\nmath_repo = http://127.0.0.1:1/\n", "[component] workflow is required")]
    [InlineData("[component]\nworkflow = client-initiated\nlisten-port = 70000\n[repository]\nmath_repo = http://127.0.0.1:1/\n", "[component] listen-port '70000' is not a port number")]
    [InlineData("[component]\nworkflow = component-initiated\nclient_port = 1228\n[repository]\nmath_repo = http://127.0.0.1:1/\n", "[component] client_host is required")]
    [InlineData("[component]\nworkflow = client-initiated\n[repository]\nmath_repo = ftp://x/\n", "[repository] math_repo 'ftp://x/' is not math_repo's address")]
    [InlineData("[component]\nworkflow = client-initiated\n[repository]\nmath_repo = https://127.0.0.1:1/\n", "[TLS] ca-chain is required to reach math_repo at https://127.0.0.1:1/")]
    [InlineData("[component]\nworkflow = client-initiated\n[repository]\nmath_repo = http://127.0.0.1:1/\nquery_max_rows = -1\n", "[repository] query_max_rows '-1' is not a positive whole number")]
    public void Validate_names_the_file_section_and_key_of_a_bad_setting(string text, string problem)
    {
        using var directory = new TemporaryDirectory("proxyrunner");
        var conf = directory.Combine("repository.conf");
        File.WriteAllText(conf, text);

        var e = Assert.Throws<ComponentConfException>(() => ProxyRunner.Validate(conf));
        Assert.StartsWith($"{conf}: {problem}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_accepts_a_good_conf_and_names_a_missing_file()
    {
        using var directory = new TemporaryDirectory("proxyrunner");
        var conf = directory.Combine("repository.conf");
        File.WriteAllText(conf, "[component]\nworkflow = client-initiated\nlisten-port = 0\n[repository]\nmath_repo = http://127.0.0.1:1/\n");
        ProxyRunner.Validate(conf);

        var missing = directory.Combine("missing.conf");
        Assert.Contains(missing, Assert.Throws<ComponentConfException>(() => ProxyRunner.Validate(missing)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_serves_the_capabilities_in_the_client_initiated_workflow_and_returns_promptly_when_cancelled()
    {
        await using var database = await TestDatabase.CreateAsync("proxyrunner", TestTimeout.Token);
        using var directory = new TemporaryDirectory("proxyrunner");
        var conf = directory.Combine("repository.conf");
        File.WriteAllText(conf, "[component]\nworkflow = client-initiated\nlisten-port = 0\n[repository]\nmath_repo = http://127.0.0.1:1/\n");
        using var loggers = new RecordingLoggers();
        using var stop = new CancellationTokenSource();

        var run = ProxyRunner.RunAsync(conf, database.DataSource, loggers, stop.Token);
        var url = await loggers.ListeningUrlAsync(run);
        using (var http = new HttpClient())
        {
            var page = await http.GetStringAsync(url, TestTimeout.Token);
            foreach (var label in new[] { "repository-collect_log", "repository-list_tables", "repository-query_view", "repository-anomalies" })
            {
                Assert.Contains(label, page, StringComparison.Ordinal);
            }
        }

        Assert.Contains(loggers.Messages, m => m.Contains("has no [TLS] section", StringComparison.Ordinal));
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10), TestTimeout.Token);
        using var probe = new TcpClient();
        Assert.Throws<SocketException>(() => probe.Connect(IPAddress.Loopback, url.Port)); // stopped, not only cancelled
    }

    /// <summary>Keeps every message logged, so that a test can read the address the runner announces.</summary>
    private sealed class RecordingLoggers : ILoggerFactory, ILogger
    {
        private readonly ConcurrentQueue<string> _messages = new();

        public IReadOnlyCollection<string> Messages => _messages;

        /// <summary>The URL of "listening on URL", once logged; fails if <paramref name="run"/> ends first.</summary>
        public async Task<Uri> ListeningUrlAsync(Task run)
        {
            const string Marker = "listening on ";
            string? message;
            while ((message = _messages.FirstOrDefault(m => m.Contains(Marker, StringComparison.Ordinal))) is null)
            {
                Assert.False(run.IsCompleted, run.Exception?.ToString() ?? "the runner ended without listening");
                await Task.Delay(20, TestTimeout.Token);
            }

            return new Uri(message[(message.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..]);
        }

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _messages.Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
