using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mplane.Host.Tests.Browser;

/// <summary>An event from the browser: its method, the page session it came from (null: the browser's), and its parameters.</summary>
public sealed record DevToolsEvent(string Method, string? SessionId, JsonElement Parameters);

/// <summary>
/// A minimal Chrome DevTools Protocol client over one WebSocket: commands with ids answered by
/// results or errors, and events handed to a callback. Just what the browser tests need (no
/// PuppeteerSharp in the package mirror); sessions of pages are "flat" (<c>sessionId</c> on each
/// message), so one connection drives every page.
/// </summary>
public sealed class DevToolsConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly Action<DevToolsEvent> _onEvent;
    private Task _receiving = Task.CompletedTask;
    private int _lastId;
    private volatile bool _closed;

    private DevToolsConnection(Action<DevToolsEvent> onEvent) => _onEvent = onEvent;

    /// <summary>Connects to the browser's endpoint (<c>ws://127.0.0.1:PORT/devtools/browser/ID</c>).</summary>
    public static async Task<DevToolsConnection> ConnectAsync(Uri endpoint, Action<DevToolsEvent> onEvent, CancellationToken cancellationToken)
    {
        var connection = new DevToolsConnection(onEvent);
        connection._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await connection._socket.ConnectAsync(endpoint, cancellationToken);
        connection._receiving = Task.Run(connection.ReceiveAsync, CancellationToken.None);
        return connection;
    }

    /// <summary>Sends <paramref name="method"/> (to a page's session, or the browser's when null) and returns its result.</summary>
    /// <exception cref="InvalidOperationException">The browser answered with an error, or the connection closed.</exception>
    public async Task<JsonElement> SendAsync(string method, object? parameters, string? sessionId, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _lastId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        if (_closed)
        {
            answer.TrySetException(new InvalidOperationException("the browser closed the DevTools connection"));
        }

        var message = new JsonObject
        {
            ["id"] = id,
            ["method"] = method,
            ["params"] = parameters is null ? new JsonObject() : JsonSerializer.SerializeToNode(parameters),
        };
        if (sessionId is not null)
        {
            message["sessionId"] = sessionId;
        }

        // ClientWebSocket allows one send at a time.
        await _sending.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sending.Release();
        }

        await using (cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken)))
        {
            return await answer.Task;
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var received = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                Dispatch(JsonDocument.Parse(message.ToArray()).RootElement);
                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The browser went away or we are closing: whoever still waits learns it below.
        }

        _closed = true;
        foreach (var waiting in _pending.Values)
        {
            waiting.TrySetException(new InvalidOperationException("the browser closed the DevTools connection"));
        }
    }

    private void Dispatch(JsonElement message)
    {
        if (message.TryGetProperty("id", out var id))
        {
            if (_pending.TryRemove(id.GetInt32(), out var answer))
            {
                if (message.TryGetProperty("error", out var error))
                {
                    answer.TrySetException(new InvalidOperationException($"DevTools: {error.GetRawText()}"));
                }
                else
                {
                    answer.TrySetResult(message.GetProperty("result").Clone());
                }
            }

            return;
        }

        _onEvent(new DevToolsEvent(
            message.GetProperty("method").GetString()!,
            message.TryGetProperty("sessionId", out var session) ? session.GetString() : null,
            message.TryGetProperty("params", out var parameters) ? parameters.Clone() : default));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _receiving;
        }
        finally
        {
            _socket.Abort();
            _socket.Dispose();
            _stop.Dispose();
            _sending.Dispose();
        }
    }
}
