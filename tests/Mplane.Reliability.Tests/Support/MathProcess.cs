using Mplane.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Mplane.Reliability.Tests.Transfer;

/// <summary>
/// One of the product's programs (<c>math_repo</c>, <c>math_probe</c>, <c>mplane</c>) running as users
/// run it, <c>dotnet &lt;program&gt;.dll</c> from the tests' folder: its output kept (the last lines),
/// its peak resident memory sampled every second from <c>/proc</c>, every wait bounded, and the
/// process killed on dispose if it is still running.
/// </summary>
internal sealed class MathProcess : IAsyncDisposable
{
    private const int KeptLines = 20_000;

    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly CancellationTokenSource _sampling = new();
    private readonly Task _sampler;
    private long _peakRss;

    private MathProcess(string program, Process process)
    {
        Program = program;
        _process = process;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _sampler = Task.Run(() => SampleAsync(_sampling.Token));
    }

    /// <summary>The program's name.</summary>
    public string Program { get; }

    /// <summary>Its process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether it has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The largest resident set seen (the kernel's high-water mark, VmHWM), in bytes.</summary>
    public long PeakRssBytes => Interlocked.Read(ref _peakRss);

    /// <summary>The output kept so far (standard output and error, interleaved).</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Starts <c>dotnet &lt;program&gt;.dll arguments</c> with extra environment variables.</summary>
    public static MathProcess Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, program + ".dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return new MathProcess(program, Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start"));
    }

    /// <summary>How many output lines contain <paramref name="text"/>.</summary>
    public int CountLines(string text)
    {
        lock (_lines)
        {
            return _lines.Count(l => l.Contains(text, StringComparison.Ordinal));
        }
    }

    /// <summary>Waits (at most <paramref name="bound"/>) for an output line matching <paramref name="pattern"/>; returns its match.</summary>
    public async Task<Match> WaitForOutputAsync(Regex pattern, TimeSpan bound, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            lock (_lines)
            {
                foreach (var line in _lines)
                {
                    if (pattern.Match(line) is { Success: true } match)
                    {
                        return match;
                    }
                }
            }

            if (_process.HasExited || deadline.Elapsed > bound)
            {
                throw new TimeoutException($"{Program} wrote nothing matching /{pattern}/ within {bound.TotalSeconds:0} s{(HasExited ? " and exited" : string.Empty)}; its output:\n{Output}");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits at most <paramref name="bound"/> for the program to exit and returns its exit code; a longer wait is a hang.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan bound, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(bound);
        try
        {
            await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Program} (pid {Id}) did not exit within {bound.TotalSeconds:0} s; its output:\n{Output}");
        }

        _process.WaitForExit(); // the output's last lines
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM and waits at most <paramref name="bound"/> for the exit; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan bound, CancellationToken cancellationToken)
    {
        await ProcessSignals.TerminateAsync(_process, cancellationToken).ConfigureAwait(false);
        return await WaitForExitAsync(bound, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }

        await _sampling.CancelAsync().ConfigureAwait(false);
        try
        {
            await _sampler.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _sampling.Dispose();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > KeptLines)
            {
                _lines.Dequeue();
            }
        }
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        do
        {
            if (ProcessMemory.PeakResident(Id) is { } peak && peak > PeakRssBytes)
            {
                Interlocked.Exchange(ref _peakRss, peak);
            }
        }
        while (!_process.HasExited && await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }
}

/// <summary>A process's memory as the kernel reports it in <c>/proc/&lt;pid&gt;/status</c>.</summary>
internal static class ProcessMemory
{
    /// <summary>The peak resident set (VmHWM) in bytes, or null when the process is gone.</summary>
    public static long? PeakResident(int pid) => Field(pid, "VmHWM:");

    /// <summary>The current resident set (VmRSS) in bytes, or null when the process is gone.</summary>
    public static long? Resident(int pid) => Field(pid, "VmRSS:");

    private static long? Field(int pid, string name)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(name, StringComparison.Ordinal))
                {
                    // "VmHWM:	  123456 kB"
                    var value = line[name.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    return long.Parse(value, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }
}
