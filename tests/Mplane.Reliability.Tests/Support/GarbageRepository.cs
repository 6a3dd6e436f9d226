using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mplane.Reliability.Tests.Transfer;

/// <summary>One request as a <see cref="GarbageRepository"/> read it: the method and the headers (names lower-case).</summary>
internal sealed record GarbageRequest(string Method, IReadOnlyDictionary<string, string> Headers);

/// <summary>What a <see cref="GarbageRepository"/> answers: <paramref name="Bytes"/>, then <paramref name="Then"/> over and over until <paramref name="ThenBytes"/> bytes of it went out.</summary>
internal sealed record GarbageAnswer(byte[] Bytes, byte[]? Then = null, long ThenBytes = 0);

/// <summary>
/// A fake "repository" for math_probe on a raw socket (plain HTTP): it reads each request's head and
/// body, then answers whatever its behaviour says (bytes that are not HTTP, wrong statuses, wrong
/// headers, nothing at all) and closes the connection. Counts the requests it saw.
/// </summary>
internal sealed class GarbageRepository : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<GarbageRequest, GarbageAnswer?> _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private int _requests;

    /// <param name="answer">The bytes to answer a request with; null: say nothing and hold the connection open.</param>
    public GarbageRepository(Func<GarbageRequest, GarbageAnswer?> answer)
    {
        _answer = answer;
        _listener.Start();
        _accepting = Task.Run(() => AcceptAsync(_stop.Token));
    }

    /// <summary>The URL to give math_probe.</summary>
    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Requests read so far (each attempt of the probe sends at least one).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>An HTTP/1.1 response with <paramref name="headers"/> (each <c>Name: value</c>) and a body.</summary>
    public static GarbageAnswer Response(int status, string reason, IEnumerable<string>? headers = null, string body = "") =>
        new(Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status.ToString(CultureInfo.InvariantCulture)} {reason}\r\n" +
            string.Concat((headers ?? []).Select(h => h + "\r\n")) +
            $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}"));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        Task[] running;
        lock (_connections)
        {
            running = [.. _connections, _accepting];
        }

        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(Task.Run(() => ServeAsync(socket, cancellationToken), CancellationToken.None));
            }
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        using (socket)
        {
            try
            {
                using var stream = new NetworkStream(socket, ownsSocket: false);
                var request = await ReadRequestAsync(stream, cancellationToken).ConfigureAwait(false);
                if (request is null)
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                if (_answer(request) is { } answer)
                {
                    await stream.WriteAsync(answer.Bytes, cancellationToken).ConfigureAwait(false);
                    for (long sent = 0; answer.Then is { Length: > 0 } then && sent < answer.ThenBytes; sent += then.Length)
                    {
                        await stream.WriteAsync(then, cancellationToken).ConfigureAwait(false);
                    }

                    socket.Shutdown(SocketShutdown.Send);
                    await Task.Delay(200, cancellationToken).ConfigureAwait(false); // let the peer read before the socket goes
                }
                else
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false); // silence, until the peer gives up or the test ends
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Reads a request head (at most 64 KB) and its body (Content-Length or chunked, discarded); null when the peer closed first.</summary>
    private static async Task<GarbageRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 65536 && !(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                return null;
            }

            head.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var headers = lines.Skip(1)
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0].Trim().ToLowerInvariant())
            .ToDictionary(g => g.Key, g => g.First()[1].Trim());
        if (headers.TryGetValue("content-length", out var length))
        {
            await DiscardAsync(stream, long.Parse(length, CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        }
        else if (headers.TryGetValue("transfer-encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            await DiscardChunksAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        return new GarbageRequest(lines.Length > 0 ? lines[0].Split(' ')[0] : string.Empty, headers);
    }

    private static async Task DiscardAsync(Stream stream, long count, CancellationToken cancellationToken)
    {
        var buffer = new byte[65536];
        while (count > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)System.Math.Min(buffer.Length, count)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            count -= read;
        }
    }

    private static async Task DiscardChunksAsync(Stream stream, CancellationToken cancellationToken)
    {
        while (true)
        {
            var size = long.Parse(await ReadLineAsync(stream, cancellationToken).ConfigureAwait(false) is { Length: > 0 } line ? line.Split(';')[0] : "0", NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                await ReadLineAsync(stream, cancellationToken).ConfigureAwait(false); // the empty trailer
                return;
            }

            await DiscardAsync(stream, size, cancellationToken).ConfigureAwait(false);
            await ReadLineAsync(stream, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 1 && one[0] != '\n')
        {
            if (one[0] != '\r')
            {
                line.Append((char)one[0]);
            }
        }

        return line.ToString();
    }
}
