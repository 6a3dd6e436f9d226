using Mplane.Testing;
using System.Diagnostics;
using System.Globalization;

namespace Mplane.Reliability.Tests.Sites;

/// <summary>
/// One of the product's programs run by a <see cref="RepositorySite"/> as users run it,
/// <c>dotnet &lt;program&gt;.dll arguments</c> from the tests' folder. Its output goes to a log file in
/// the site (kept across kills, for the post-mortem) and its last lines stay in memory for assertion
/// messages. <see cref="KillAsync"/> is kill -9; <see cref="TerminateAsync"/> is SIGTERM; disposing
/// kills it if it still runs.
/// </summary>
internal sealed class SiteProcess : IAsyncDisposable
{
    private const int TailLines = 60;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiteProcess(string name, Process process, string logFile)
    {
        Name = name;
        LogFile = logFile;
        _process = process;
        _log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        _process.OutputDataReceived += (_, e) => Keep(e.Data, _outputClosed);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data, _errorClosed);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>What it is (<c>mplane</c>, <c>math_probe</c>), for messages.</summary>
    public string Name { get; }

    /// <summary>Its process id (the repository host's module states name it <c>host:pid</c>).</summary>
    public int Id => _process.Id;

    /// <summary>Where its output goes.</summary>
    public string LogFile { get; }

    /// <summary>Whether it has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code (once exited).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Its last output lines, for an assertion's message.</summary>
    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return $"--- last lines of {Name} (pid {Id}; all in {LogFile}) ---\n" + string.Join('\n', _tail);
            }
        }
    }

    /// <summary>Starts <c>dotnet &lt;program&gt;.dll arguments</c> with <paramref name="environment"/> added, its output appended to <paramref name="logFile"/>.</summary>
    public static SiteProcess Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string logFile)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, program + ".dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        File.AppendAllText(logFile, $"=== {DateTimeOffset.UtcNow:O} {program} {string.Join(' ', arguments)}\n");
        return new SiteProcess(program, Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start"), logFile);
    }

    /// <summary>kill -9 (the whole tree), then waits until it is gone.</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }
        }

        await WaitForExitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SIGTERM, then waits at most <paramref name="bound"/> for it to exit (then kills it and fails); returns its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan bound, CancellationToken cancellationToken)
    {
        await ProcessSignals.TerminateAsync(_process, cancellationToken).ConfigureAwait(false);
        return await WaitForExitAsync(bound, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits at most <paramref name="bound"/> for it to exit by itself; returns its exit code, or kills it and throws.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan bound, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(bound);
        try
        {
            await _process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Name} did not exit within {bound}\n{Tail}");
        }

        // The output's end arrives after the exit: wait for it (briefly) so the log is whole.
        await Task.WhenAny(Task.WhenAll(_outputClosed.Task, _errorClosed.Task), Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Gone already, or stuck in the kernel: nothing more a test can do.
        }

        _process.Dispose();
        lock (_tail)
        {
            _log.Dispose();
        }
    }

    private void Keep(string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (_tail)
        {
            if (_tail.Count == TailLines)
            {
                _tail.Dequeue();
            }

            _tail.Enqueue(line);
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // A line after the dispose: the memory tail keeps it.
            }
        }
    }
}
