using System.Collections.Concurrent;
using System.Text.Json;

namespace Mplane.Host.Tests.Browser;

/// <summary>
/// One tab of <see cref="HeadlessChromium"/>: navigates, evaluates script, takes screenshots, and
/// records every problem the page reports: uncaught exceptions, <c>console.error</c> and failed
/// assertions, and the browser's own error log (failed requests, refused content-security-policy
/// loads), so a test can assert there was none.
/// </summary>
public sealed class BrowserPage
{
    private readonly DevToolsConnection _devTools;
    private readonly string _session;
    private readonly ConcurrentQueue<string> _problems = new();

    internal BrowserPage(DevToolsConnection devTools, string session)
    {
        _devTools = devTools;
        _session = session;
    }

    /// <summary>The problems reported so far, oldest first.</summary>
    public IReadOnlyList<string> Problems => [.. _problems];

    /// <summary>Loads <paramref name="url"/>; fails when the browser cannot (not when the page's scripts fail: see <see cref="Problems"/>).</summary>
    public async Task NavigateAsync(Uri url, CancellationToken cancellationToken)
    {
        var result = await _devTools.SendAsync("Page.navigate", new { url = url.ToString() }, _session, cancellationToken);
        if (result.TryGetProperty("errorText", out var error))
        {
            throw new InvalidOperationException($"{url}: {error.GetString()}");
        }
    }

    /// <summary>Evaluates <paramref name="expression"/> in the page (awaiting a promise) and returns its value as JSON.</summary>
    /// <exception cref="InvalidOperationException">The script threw.</exception>
    public async Task<JsonElement> EvaluateAsync(string expression, CancellationToken cancellationToken)
    {
        var result = await _devTools.SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true }, _session, cancellationToken);
        if (result.TryGetProperty("exceptionDetails", out var exception))
        {
            throw new InvalidOperationException($"'{expression}' threw: {Describe(exception)}");
        }

        return result.GetProperty("result").TryGetProperty("value", out var value) ? value : default;
    }

    /// <summary>Evaluates <paramref name="expression"/> and reads its value as <typeparamref name="T"/>.</summary>
    public async Task<T> EvaluateAsync<T>(string expression, CancellationToken cancellationToken) =>
        (await EvaluateAsync(expression, cancellationToken)).Deserialize<T>()!;

    /// <summary>
    /// Waits until <paramref name="condition"/> is true in the page, polling; a navigation in between
    /// (the old document's context gone) is waited out. On timeout, fails with <paramref name="describe"/>'s value and the problems so far.
    /// </summary>
    public async Task WaitForAsync(string condition, string describe, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await EvaluateAsync(condition, cancellationToken) is { ValueKind: JsonValueKind.True })
                {
                    return;
                }
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                // The document is being replaced; ask the new one.
            }

            if (DateTime.UtcNow >= deadline)
            {
                var state = await EvaluateAsync(describe, cancellationToken);
                throw new TimeoutException($"'{condition}' still false after {timeout.TotalSeconds:0} s; {describe} = {state.GetRawText()}; problems: {string.Join(" | ", Problems)}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Saves a PNG of the page's full height (for a person to look at; the tests do it on request).</summary>
    public async Task ScreenshotAsync(string path, CancellationToken cancellationToken)
    {
        var shot = await _devTools.SendAsync("Page.captureScreenshot", new { format = "png", captureBeyondViewport = true }, _session, cancellationToken);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot.GetProperty("data").GetString()!), cancellationToken);
    }

    internal void Observe(DevToolsEvent e)
    {
        switch (e.Method)
        {
            case "Runtime.exceptionThrown":
                _problems.Enqueue($"exception: {Describe(e.Parameters.GetProperty("exceptionDetails"))}");
                break;
            case "Runtime.consoleAPICalled" when e.Parameters.GetProperty("type").GetString() is "error" or "assert":
                _problems.Enqueue($"console.{e.Parameters.GetProperty("type").GetString()}: " + string.Join(' ', e.Parameters.GetProperty("args").EnumerateArray().Select(Text)));
                break;
            case "Log.entryAdded" when e.Parameters.GetProperty("entry") is var entry && entry.GetProperty("level").GetString() == "error":
                _problems.Enqueue($"log ({entry.GetProperty("source").GetString()}): {entry.GetProperty("text").GetString()} {(entry.TryGetProperty("url", out var url) ? url.GetString() : string.Empty)}".TrimEnd());
                break;
        }
    }

    private static string Describe(JsonElement details) =>
        details.TryGetProperty("exception", out var exception) && exception.TryGetProperty("description", out var description)
            ? description.GetString()!
            : details.GetProperty("text").GetString()!;

    private static string Text(JsonElement remoteObject) =>
        remoteObject.TryGetProperty("value", out var value) ? value.ToString()
        : remoteObject.TryGetProperty("description", out var description) ? description.GetString()!
        : remoteObject.GetProperty("type").GetString()!;
}
