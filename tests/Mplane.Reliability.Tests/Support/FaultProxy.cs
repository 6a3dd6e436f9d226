using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mplane.Reliability.Tests.Transfer;

/// <summary>
/// The faults a <see cref="FaultProxy"/> injects into the connections it accepts while the plan is in
/// force (each connection keeps the plan it was accepted under).
/// </summary>
/// <param name="CutAfterBytes">
/// Reset the connection on both sides once it has carried this many bytes upstream (client to
/// server), <paramref name="CutGrace"/> after the last of them went out: the bytes reach the server
/// before the reset, as when a link breaks (a reset right behind them would often destroy them unread).
/// </param>
/// <param name="BytesPerSecond">Throttle each direction of each connection to this rate.</param>
/// <param name="StallAfterBytes">Stop forwarding anything once this many bytes went upstream, holding the connection open (a black hole), until <paramref name="StallFor"/> has passed.</param>
/// <param name="StallFor">How long a stalled connection is held before it is reset.</param>
/// <param name="MaxStalls">How many connections are stalled at most; later ones pass.</param>
/// <param name="CutGrace">How long a connection to be cut waits, forwarding nothing more upstream, before the reset (default 100 ms).</param>
internal sealed record FaultPlan(
    long? CutAfterBytes = null,
    long? BytesPerSecond = null,
    long? StallAfterBytes = null,
    TimeSpan? StallFor = null,
    int MaxStalls = int.MaxValue,
    TimeSpan? CutGrace = null)
{
    /// <summary>No faults: a transparent proxy.</summary>
    public static FaultPlan None { get; } = new();
}

/// <summary>
/// A TCP proxy on loopback between a client (math_probe) and a server (math_repo), over plain
/// sockets so that TLS passes through untouched, injecting the network's faults: connections cut
/// mid-transfer (reset on both sides), a throttled link, a link that goes silent. Counts what it
/// injected and what it carried.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Link, Task> _links = new();
    private readonly Task _accepting;
    private FaultPlan _plan;
    private int _connections;
    private int _cuts;
    private int _stalls;
    private long _upstreamBytes;
    private long _downstreamBytes;

    public FaultProxy(IPEndPoint upstream, FaultPlan? plan = null)
    {
        _upstream = upstream;
        _plan = plan ?? FaultPlan.None;
        _listener.Start();
        _accepting = Task.Run(() => AcceptAsync(_stop.Token));
    }

    /// <summary>Where clients connect.</summary>
    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>The faults for connections accepted from now on.</summary>
    public FaultPlan Plan
    {
        get => Volatile.Read(ref _plan);
        set => Volatile.Write(ref _plan, value);
    }

    /// <summary>Connections accepted.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connections cut (reset) mid-transfer.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>Connections that went silent.</summary>
    public int Stalls => Volatile.Read(ref _stalls);

    /// <summary>Bytes carried from clients to the server.</summary>
    public long UpstreamBytes => Interlocked.Read(ref _upstreamBytes);

    /// <summary>Bytes carried from the server to clients.</summary>
    public long DownstreamBytes => Interlocked.Read(ref _downstreamBytes);

    /// <summary>The proxy's URL for a client.</summary>
    public Uri Url(string scheme) => new($"{scheme}://127.0.0.1:{Endpoint.Port}/");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        foreach (var link in _links.Keys)
        {
            link.Reset();
        }

        await Task.WhenAll(_links.Values.Append(_accepting)).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            var link = new Link(client, new Socket(SocketType.Stream, ProtocolType.Tcp), Plan);
            _links[link] = Task.Run(async () =>
            {
                try
                {
                    await RelayAsync(link, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    link.Reset();
                    _links.TryRemove(link, out _);
                }
            }, CancellationToken.None);
        }
    }

    private async Task RelayAsync(Link link, CancellationToken cancellationToken)
    {
        try
        {
            await link.Server.ConnectAsync(_upstream, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return; // the server is away: the client sees its connection reset
        }

        await Task.WhenAll(
            PumpAsync(link, link.Client, link.Server, upstream: true, cancellationToken),
            PumpAsync(link, link.Server, link.Client, upstream: false, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Carries one direction, applying the plan; an error or a fault ends both directions.</summary>
    private async Task PumpAsync(Link link, Socket from, Socket to, bool upstream, CancellationToken cancellationToken)
    {
        var plan = link.Plan;
        var buffer = new byte[64 * 1024];
        var clock = Stopwatch.StartNew();
        long carried = 0;
        try
        {
            while (true)
            {
                var want = buffer.Length;
                if (plan.BytesPerSecond is { } rate)
                {
                    want = (int)System.Math.Clamp(rate / 20, 1, buffer.Length); // 50 ms worth at a time: a smooth rate
                }

                if (upstream && plan.CutAfterBytes is { } cut)
                {
                    want = (int)System.Math.Clamp(cut - link.Upstream, 1, want); // cut exactly at the byte
                }

                if (upstream && plan.StallAfterBytes is { } stall && link.Upstream < stall)
                {
                    want = (int)System.Math.Clamp(stall - link.Upstream, 1, want);
                }

                var read = await from.ReceiveAsync(buffer.AsMemory(0, want), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send); // a half close passes through
                    return;
                }

                // A silent link forwards nothing either way until it is reset.
                while (link.Stalled && !link.Closed)
                {
                    await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                carried += read;
                if (upstream)
                {
                    link.Upstream += read;
                    Interlocked.Add(ref _upstreamBytes, read);
                }
                else
                {
                    Interlocked.Add(ref _downstreamBytes, read);
                }

                if (upstream && plan.CutAfterBytes is { } limit && link.Upstream >= limit)
                {
                    await Task.Delay(plan.CutGrace ?? TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
                    Interlocked.Increment(ref _cuts);
                    link.Reset();
                    return;
                }

                if (upstream && plan.StallAfterBytes is { } silent && link.Upstream >= silent && !link.StallDecided && TakeStall(link, plan))
                {
                    await Task.Delay(plan.StallFor ?? Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
                    link.Reset();
                    return;
                }

                if (plan.BytesPerSecond is { } bytesPerSecond)
                {
                    var due = TimeSpan.FromSeconds((double)carried / bytesPerSecond) - clock.Elapsed;
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            link.Reset();
        }
    }

    /// <summary>Decides once per connection whether it goes silent (within the plan's budget).</summary>
    private bool TakeStall(Link link, FaultPlan plan)
    {
        link.StallDecided = true;
        lock (_links)
        {
            if (_stalls >= plan.MaxStalls)
            {
                return false;
            }

            _stalls++;
        }

        link.Stalled = true;
        return true;
    }

    /// <summary>One proxied connection: both sockets and the bytes that went upstream.</summary>
    private sealed class Link(Socket client, Socket server, FaultPlan plan)
    {
        private int _closed;

        public Socket Client { get; } = client;

        public Socket Server { get; } = server;

        public FaultPlan Plan { get; } = plan;

        public long Upstream { get; set; }

        public bool StallDecided { get; set; }

        private volatile bool _stalled;

        public bool Stalled
        {
            get => _stalled;
            set => _stalled = value;
        }

        public bool Closed => Volatile.Read(ref _closed) == 1;

        /// <summary>Resets both sides (RST, not FIN): the connection is cut, as by a failing network.</summary>
        public void Reset()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1)
            {
                return;
            }

            foreach (var socket in new[] { Client, Server })
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }

                socket.Dispose();
            }
        }
    }
}
