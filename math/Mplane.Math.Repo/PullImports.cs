using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Mplane.LogFormats.Tstat;
using Mplane.Math.Transfer;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Mplane.Math.Repo;

/// <summary>A running pull import: the original registration, who sent it and the address it came from.</summary>
public sealed record PullImport(Registration Registration, string Identity, string PeerAddress, int PeerPort, DateTimeOffset RegisteredAt);

/// <summary>
/// The original's pull protocol, made safe: a registration is accepted only from a peer authorized
/// for its stream, and only with a <c>CallBackUrl</c> naming the registering host itself (the
/// repository then pulls from that address, never from a host the registrant chooses). Running
/// imports persist across restarts, can be updated by their registrant and deleted; each polls
/// <c>/ListDir/&lt;stream&gt;</c>, downloads every listed file from its start time on that is not
/// stored yet, checking status and length, and retries with backoff while the probe is away.
/// </summary>
public sealed class PullImports(RepoSettings settings, SpoolStore store, HandlerQueue queue, HttpClient http, ILogger<PullImports> logger) : IAsyncDisposable
{
    /// <summary>Running imports one identity may have.</summary>
    public const int MaxImportsPerIdentity = 32;

    private const int MaxListingBytes = 16 << 20;
    private static readonly TimeSpan ListingTimeout = TimeSpan.FromMinutes(1);

    /// <summary>A download slower than this is given up (and tried again at the next poll): a hung probe must not hang its import.</summary>
    private const double MinimumBytesPerSecond = 256 * 1024;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<(PullImport Import, CancellationTokenSource Stop, Task Loop)> _running = [];
    private CancellationToken _stopping;

    /// <summary>The running imports, in registration order.</summary>
    public IReadOnlyList<PullImport> Imports
    {
        get
        {
            lock (_running)
            {
                return [.. _running.Select(r => r.Import)];
            }
        }
    }

    /// <summary>Resumes the imports saved before a restart.</summary>
    public async Task StartAsync(CancellationToken stopping)
    {
        _stopping = stopping;
        if (!File.Exists(settings.RunningImportsFile))
        {
            return;
        }

        List<PullImport> saved;
        try
        {
            saved = JsonConvert.DeserializeObject<List<PullImport>>(await File.ReadAllTextAsync(settings.RunningImportsFile, stopping).ConfigureAwait(false)) ?? [];
        }
        catch (JsonException e)
        {
            var aside = $"{settings.RunningImportsFile}.damaged-{DateTime.UtcNow:yyyyMMddHHmmss}";
            File.Move(settings.RunningImportsFile, aside);
            logger.LogError("{File} cannot be read ({Error}); moved to {Aside}: probes must register again", settings.RunningImportsFile, e.Message, aside);
            return;
        }

        foreach (var import in saved)
        {
            logger.LogInformation("Restarting import: {Stream}", import.Registration.StreamName);
            Start(import);
        }
    }

    /// <summary>Accepts, updates or refuses a registration; returns the HTTP status and the original's plain-text body.</summary>
    public async Task<(int Status, string Body)> RegisterAsync(Registration registration, string identity, IPAddress remote, CancellationToken cancellationToken)
    {
        try
        {
            TransferNames.Stream(registration.StreamName);
            TransferNames.StreamType(registration.StreamType);
        }
        catch (ArgumentException e)
        {
            return (400, e.Message);
        }

        if (!settings.Access.IsAllowed(identity, registration.StreamName))
        {
            return (403, $"identity {identity} may not send stream {registration.StreamName}");
        }

        var peer = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        if (!TryCallback(registration.CallBackUrl, peer, out var port, out var problem))
        {
            return (403, problem);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var import = new PullImport(registration, identity, peer.ToString(), port, DateTimeOffset.UtcNow);
            string body;
            Task? previous = null;
            lock (_running)
            {
                var existing = _running.FindIndex(r => r.Import.Registration.StreamName == registration.StreamName);
                if (existing >= 0 && _running[existing].Import.Identity != identity)
                {
                    return (403, $"stream {registration.StreamName} is registered by another identity");
                }

                if (existing < 0 && _running.Count(r => r.Import.Identity == identity) >= MaxImportsPerIdentity)
                {
                    return (429, $"identity {identity} already has {MaxImportsPerIdentity} running imports");
                }

                if (existing >= 0)
                {
                    _running[existing].Stop.Cancel();
                    previous = Retire(_running[existing]);
                    _running.RemoveAt(existing);
                    body = "entry updated";
                }
                else
                {
                    body = "new entry created";
                }
            }

            if (previous is not null)
            {
                await previous.ConfigureAwait(false); // one loop per stream: the old one is gone before the new one starts
            }

            Start(import);
            await SaveAsync(CancellationToken.None).ConfigureAwait(false); // started means saved, whatever the peer does now
            logger.LogInformation("Pull import of {Stream} from {Peer}:{Port} for {Identity} ({Body})", registration.StreamName, peer, port, identity, body);
            return (200, body);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops and forgets import number <paramref name="index"/> if <paramref name="identity"/> registered it.</summary>
    public async Task<(int Status, string Body)> RemoveAsync(int index, string identity, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Task removed;
            lock (_running)
            {
                if (index < 0 || index >= _running.Count)
                {
                    return (404, "entry not found");
                }

                if (_running[index].Import.Identity != identity)
                {
                    return (403, "only the identity that registered an import may delete it");
                }

                _running[index].Stop.Cancel();
                removed = Retire(_running[index]);
                _running.RemoveAt(index);
            }

            await removed.ConfigureAwait(false); // gone before a new registration of the stream can start another
            await SaveAsync(CancellationToken.None).ConfigureAwait(false);
            return (200, "entry deleted");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Polls once: lists the probe's files and stores every new one from the start time on, oldest
    /// first, except those of the newest listed period (an original probe lists files Tstat is still
    /// writing there). A file that fails is retried at the next poll without holding back the others;
    /// one over the size limit is recorded as refused. Returns how many files were stored.
    /// </summary>
    public async Task<int> PollOnceAsync(PullImport import, CancellationToken cancellationToken)
    {
        var registration = import.Registration;
        var stream = registration.StreamName;
        var baseUri = new UriBuilder("http", import.PeerAddress, import.PeerPort).Uri;
        List<string> paths;
        var finishedOnly = false;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(ListingTimeout);
            using var listing = await http.GetAsync(new Uri(baseUri, "/ListDir/" + Uri.EscapeDataString(stream)), HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (listing.StatusCode != HttpStatusCode.OK)
            {
                throw new HttpRequestException($"{baseUri}ListDir/{stream} answered {(int)listing.StatusCode}");
            }

            finishedOnly = listing.Headers.TryGetValues(PushProtocol.FinishedOnlyHeader, out var marker) && marker.Contains("true");
            await using var body = await listing.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            var text = await LimitedText.ReadAsync(body, MaxListingBytes, timeout.Token).ConfigureAwait(false)
                ?? throw new InvalidDataException($"the listing is over {MaxListingBytes} bytes");
            paths = JArray.Parse(text).Select(t => t.Type == JTokenType.String ? t.Value<string>()! : throw new FormatException("the listing holds a non-string")).ToList();
        }

        var candidates = new List<(string Path, DateTimeOffset Time)>();
        foreach (var path in paths)
        {
            try
            {
                TransferNames.RelativePath(path);
            }
            catch (ArgumentException e)
            {
                logger.LogWarning("{Stream}: listed path refused: {Problem}", stream, e.Message);
                continue;
            }

            if (TstatDirectoryLayout.PeriodStart(path) is { } time && time.ToUnixTimeSeconds() >= registration.StartTime)
            {
                candidates.Add((path, time));
            }
        }

        // An original probe lists the logs Tstat still writes in the newest period; ours lists finished files only.
        var newest = finishedOnly ? DateTimeOffset.MaxValue : candidates.Count > 0 ? candidates.Max(c => c.Time) : default;
        var stored = 0;
        foreach (var (path, _) in candidates.Where(c => c.Time < newest && store.Ledger.Find(stream, c.Path) is null).OrderBy(c => c.Time))
        {
            try
            {
                var uri = new Uri(baseUri, string.Join('/', path.Split('/').Select(Uri.EscapeDataString)));
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(ListingTimeout); // for the answer; the body gets time by its length below
                using var download = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                deadline.CancelAfter(ListingTimeout + TimeSpan.FromSeconds((download.Content.Headers.ContentLength ?? settings.MaxFileBytes) / MinimumBytesPerSecond));
                if (download.StatusCode != HttpStatusCode.OK)
                {
                    throw new HttpRequestException($"{uri} answered {(int)download.StatusCode}; the file is not stored and will be fetched again");
                }

                await using var body = await download.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var reader = System.IO.Pipelines.PipeReader.Create(body, new System.IO.Pipelines.StreamPipeReaderOptions(bufferSize: 1 << 16, leaveOpen: true));
                LedgerEntry entry;
                try
                {
                    entry = await store.StoreAsync(stream, path, registration.StreamType, import.Identity, reader, download.Content.Headers.ContentLength, deadline.Token).ConfigureAwait(false);
                }
                finally
                {
                    await reader.CompleteAsync().ConfigureAwait(false);
                }

                queue.Enqueue(entry);
                stored++;
                logger.LogInformation("{Stream}: pulled {Path} ({Bytes} bytes)", stream, path, entry.Size);
            }
            catch (UploadRefusedException e) when (e.Status == 413)
            {
                logger.LogError("{Stream}: {Problem}; not fetched again", stream, e.Message);
                await store.Ledger.RecordAsync(new LedgerEntry(stream, path, 0, string.Empty, "refused", DateTimeOffset.UtcNow, e.Message), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or UploadRefusedException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("{Stream}: {Path} not fetched ({Error}); trying again at the next poll", stream, path, e.Message);
            }
        }

        return stored;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        List<Task> loops;
        lock (_running)
        {
            loops = _running.Select(r =>
            {
                r.Stop.Cancel();
                return Retire(r);
            }).ToList();
            _running.Clear();
        }

        await Task.WhenAll(loops.Select(l => l.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
        _gate.Dispose();
    }

    /// <summary>The end of a cancelled loop, after which its cancellation source is disposed.</summary>
    private static async Task Retire((PullImport Import, CancellationTokenSource Stop, Task Loop) running)
    {
        try
        {
            await running.Loop.ConfigureAwait(false);
        }
        finally
        {
            running.Stop.Dispose();
        }
    }

    private void Start(PullImport import)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        var loop = Task.Run(() => LoopAsync(import, stop.Token), CancellationToken.None);
        lock (_running)
        {
            _running.Add((import, stop, loop));
        }
    }

    private async Task LoopAsync(PullImport import, CancellationToken cancellationToken)
    {
        // The probe may be away for long: retry for ever, backing off to a minute, until stopped.
        var retry = RetryPipelines.Backoff(
            e => e is not OperationCanceledException || !cancellationToken.IsCancellationRequested,
            (error, delay) => logger.LogWarning(
                "{Stream}: probe {Peer}:{Port} not available ({Error}); retrying in {Delay}",
                import.Registration.StreamName, import.PeerAddress, import.PeerPort, error?.Message, delay));
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await retry.ExecuteAsync(async ct => await PollOnceAsync(import, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                await Task.Delay(settings.PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private Task SaveAsync(CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(settings.RunningImportsFile, JsonConvert.SerializeObject(Imports, Formatting.Indented), cancellationToken);

    private static bool TryCallback(string callBackUrl, IPAddress peer, out int port, out string problem)
    {
        port = 0;
        var colon = callBackUrl.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(callBackUrl[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            problem = $"CallBackUrl '{callBackUrl}' is not host:port";
            return false;
        }

        var host = callBackUrl[..colon].Trim('[', ']');
        var sameHost = IPAddress.TryParse(host, out var address)
            ? address.Equals(peer)
            : string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) && IPAddress.IsLoopback(peer);
        problem = sameHost ? string.Empty : $"CallBackUrl host '{host}' is not the address this registration came from ({peer}): the repository pulls only from the registering host";
        return sameHost;
    }
}
