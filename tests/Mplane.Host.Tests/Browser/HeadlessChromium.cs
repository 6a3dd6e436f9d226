using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Mplane.Testing;

namespace Mplane.Host.Tests.Browser;

/// <summary>
/// Debian's <c>chromium</c>, headless, with a throw-away profile and the DevTools protocol on a port
/// of its choosing (read from its stderr). Disposing kills it with its children and removes the
/// profile, whatever happened in the test.
/// </summary>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    /// <summary>The program looked for on PATH.</summary>
    public const string Program = "chromium";

    private readonly Process _process;
    private readonly TemporaryDirectory _profile;
    private readonly ConcurrentQueue<string> _stderr;
    private readonly ConcurrentDictionary<string, BrowserPage> _pages = new(StringComparer.Ordinal);
    private DevToolsConnection? _devTools;

    private HeadlessChromium(Process process, TemporaryDirectory profile, ConcurrentQueue<string> stderr)
    {
        _process = process;
        _profile = profile;
        _stderr = stderr;
    }

    /// <summary>What the browser wrote on stderr so far, for a failure's message.</summary>
    public string Stderr => string.Join('\n', _stderr);

    /// <summary>Starts the browser and connects to it.</summary>
    /// <exception cref="InvalidOperationException"><c>chromium</c> is not installed, or did not start.</exception>
    public static async Task<HeadlessChromium> StartAsync(CancellationToken cancellationToken)
    {
        var program = Find(Program) ?? throw new InvalidOperationException(
            $"'{Program}' is not on PATH: the dashboard's browser test needs Debian's chromium (apt-get install chromium; scripts/test installs it)");
        var profile = new TemporaryDirectory("chromium");
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[
            "--headless=new", "--remote-debugging-port=0", $"--user-data-dir={profile.Path}",
            // root in a container: no sandbox; no GPU on the machines that run the tests.
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            // Nothing of the browser's own talks to the network, and nothing of the profile's first run gets in the way.
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--disable-default-apps", "--mute-audio", "--window-size=1280,1000",
            "about:blank"])
        {
            start.ArgumentList.Add(argument);
        }

        var stderr = new ConcurrentQueue<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("chromium closed its stderr before DevTools listened"));
                return;
            }

            stderr.Enqueue(line.Data);
            if (DevToolsLine().Match(line.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.OutputDataReceived += (_, _) => { }; // drained, so that a chatty browser never blocks on a full pipe
        var browser = new HeadlessChromium(process, profile, stderr);
        try
        {
            process.Start();
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var endpoint = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            browser._devTools = await DevToolsConnection.ConnectAsync(endpoint, browser.Route, cancellationToken);
            return browser;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            var output = browser.Stderr;
            await browser.DisposeAsync();
            throw new InvalidOperationException($"chromium did not start: {e.Message}\n{output}", e);
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens a new tab with the protocol's Runtime, Log and Page domains enabled, at 1280×900.</summary>
    public async Task<BrowserPage> NewPageAsync(CancellationToken cancellationToken)
    {
        var devTools = _devTools ?? throw new InvalidOperationException("the browser is not connected");
        var target = (await devTools.SendAsync("Target.createTarget", new { url = "about:blank" }, null, cancellationToken)).GetProperty("targetId").GetString()!;
        var session = (await devTools.SendAsync("Target.attachToTarget", new { targetId = target, flatten = true }, null, cancellationToken)).GetProperty("sessionId").GetString()!;
        var page = new BrowserPage(devTools, session);
        _pages[session] = page;
        foreach (var domain in (string[])["Runtime.enable", "Log.enable", "Page.enable"])
        {
            await devTools.SendAsync(domain, null, session, cancellationToken);
        }

        await devTools.SendAsync("Emulation.setDeviceMetricsOverride", new { width = 1280, height = 900, deviceScaleFactor = 1, mobile = false }, session, cancellationToken);
        return page;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_devTools is not null)
            {
                await _devTools.DisposeAsync();
            }
        }
        finally
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Never started, or already gone.
            }

            try
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
            {
                // Not started, or a child slow to die: the profile is removed as far as it can be.
            }

            _process.Dispose();
            _profile.Dispose();
        }
    }

    private void Route(DevToolsEvent devToolsEvent)
    {
        if (devToolsEvent.SessionId is { } session && _pages.TryGetValue(session, out var page))
        {
            page.Observe(devToolsEvent);
        }
    }

    private static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();
}
