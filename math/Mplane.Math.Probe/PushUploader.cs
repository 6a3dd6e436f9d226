using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Mplane.Math.Transfer;
using Polly;

namespace Mplane.Math.Probe;

/// <summary>A refusal of every upload that retrying cannot fix (no credentials, no permission): the probe stops.</summary>
public sealed class UploadRejectedException(string message) : Exception(message);

/// <summary>A refusal of one file that retrying cannot fix (over the size limit, a name refused): the probe goes on with the others.</summary>
public sealed class FileRejectedException(string message) : Exception(message);

/// <summary>
/// Push mode: uploads every finished file the ledger does not hold, oldest period first. Each upload
/// asks the repository how much it holds (<c>HEAD</c>), sends the rest (<c>PUT</c>, gzip when
/// accepted) with the whole file's length and SHA-256, and records the file in the durable ledger
/// once the repository acknowledges it: a restart neither resends a finished file nor skips one.
/// Transient failures (the repository down, a cut connection) are retried with exponential backoff,
/// resuming from the last byte the repository holds.
/// </summary>
public sealed class PushUploader(ProbeSettings settings, IHttpClientFactory clients, TransferLedger ledger, ILogger<PushUploader> logger)
{
    /// <summary>How many times one file is retried before the pass gives up (null: for ever).</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>The first retry delay (doubling, with jitter, up to a minute).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a long upload reports its progress.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>What this uploader has done.</summary>
    public ProbeStatus Status { get; } = new() { Stream = settings.StreamName };

    /// <summary>Uploads every finished file not yet acknowledged; returns how many were uploaded.</summary>
    public async Task<int> PassAsync(bool includeNewest, CancellationToken cancellationToken)
    {
        var selection = FinishedFiles.Select(settings.Directory, settings.StartTime, settings.Kinds, holdNewest: !includeNewest);
        var uploaded = 0;
        var retry = Retry(cancellationToken);
        var waiting = selection.Files.Where(f => ledger.Find(settings.StreamName, f.RelativePath) is null).ToList();
        Status.Passing(waiting.Count, ledger.Entries.Count(e => e.State == "acknowledged"));
        // The next file is hashed while this one is sent: the checksum costs no time of its own.
        Task<string>? hashing = waiting.Count > 0 ? Task.Run(() => HashAsync(waiting[0].FullPath, cancellationToken), cancellationToken) : null;
        for (var i = 0; i < waiting.Count; i++)
        {
            var file = waiting[i];
            Status.Starting(file.RelativePath);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string? precomputed;
            try
            {
                precomputed = await hashing!.ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                precomputed = null; // the upload's own attempt hashes again, and reports what is wrong
            }

            var next = i + 1 < waiting.Count ? waiting[i + 1].FullPath : null;
            hashing = next is null ? null : Task.Run(() => HashAsync(next, cancellationToken), cancellationToken);
            (string Sha256, long Length) sent;
            try
            {
                TransferNames.RelativePath(file.RelativePath);
                // A retry hashes again: a file rewritten meanwhile is sent as it is now.
                sent = await retry.ExecuteAsync(
                    async ct =>
                    {
                        var known = precomputed;
                        precomputed = null;
                        return await UploadAsync(file, known, ct).ConfigureAwait(false);
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                logger.LogWarning("{Stream}: {Path} disappeared before it was sent; skipped", settings.StreamName, file.RelativePath);
                continue;
            }
            catch (Exception e) when (e is FileRejectedException or ArgumentException)
            {
                // This file only (too large, a name the repository refuses): recorded, reported, not retried.
                Status.Failed(e.Message);
                logger.LogError("{Stream}: {Error}", settings.StreamName, e.Message);
                await ledger.RecordAsync(new LedgerEntry(settings.StreamName, file.RelativePath, file.Size, string.Empty, "rejected", DateTimeOffset.UtcNow, e.Message), cancellationToken).ConfigureAwait(false);
                continue;
            }

            var (sha, size) = sent;
            await ledger.RecordAsync(new LedgerEntry(settings.StreamName, file.RelativePath, size, sha, "acknowledged", DateTimeOffset.UtcNow), cancellationToken).ConfigureAwait(false);
            uploaded++;
            Status.Sent(file.RelativePath, size, clock.Elapsed);
            logger.LogInformation(
                "{Stream}: {Path} acknowledged ({Bytes:N0} bytes in {Seconds:0.0} s, {Rate:0.0} MB/s); {Pending} to go",
                settings.StreamName, file.RelativePath, size, clock.Elapsed.TotalSeconds, size / 1e6 / System.Math.Max(clock.Elapsed.TotalSeconds, 1e-3), Status.Pending);
        }

        return uploaded;
    }

    /// <summary>One attempt: hash the file (unless its hash is known), HEAD for the offset, then PUT the rest; returns the SHA-256 acknowledged.</summary>
    private async Task<(string Sha256, long Length)> UploadAsync(FinishedFile file, string? knownSha256, CancellationToken cancellationToken)
    {
        var length = new FileInfo(file.FullPath).Length;
        var sha256 = knownSha256 ?? await HashAsync(file.FullPath, cancellationToken).ConfigureAwait(false);
        var http = clients.CreateClient(ProbeHttp.ClientName);
        var resource = new Uri(settings.Repository, PushProtocol.FilePath(settings.StreamName, file.RelativePath));
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, resource), cancellationToken).ConfigureAwait(false);
        await CheckAsync(head, file, cancellationToken).ConfigureAwait(false);
        if (head.Headers.TryGetValues(PushProtocol.CompleteHeader, out var complete) && complete.Contains("true"))
        {
            var stored = head.Headers.GetValues(PushProtocol.Sha256Header).FirstOrDefault();
            if (stored == sha256)
            {
                return (sha256, length); // stored before the acknowledgement reached us
            }

            throw new FileRejectedException($"{file.RelativePath}: the repository holds other content under this name (SHA-256 {stored}, this file {sha256})");
        }

        var offset = head.Headers.TryGetValues(PushProtocol.OffsetHeader, out var held) ? long.Parse(held.First(), CultureInfo.InvariantCulture) : 0;
        // The repository lists the request encodings it accepts in Accept-Encoding (RFC 7694).
        var gzip = settings.Gzip && head.Headers.NonValidated.TryGetValues("Accept-Encoding", out var accepted) &&
                   accepted.Any(a => a.Contains("gzip", StringComparison.OrdinalIgnoreCase));
        var opened = new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 0, FileOptions.Asynchronous | FileOptions.SequentialScan) { Position = offset };
        await using var source = new ProgressStream(opened, offset, length, ProgressInterval, (sent, total) =>
            logger.LogInformation("{Stream}: {Path}: {Sent:N0} of {Total:N0} bytes ({Percent:0}%)", settings.StreamName, file.RelativePath, sent, total, 100.0 * sent / System.Math.Max(total, 1)));
        using var put = new HttpRequestMessage(HttpMethod.Put, resource)
        {
            Content = gzip ? new GzipContent(source) : new StreamContent(source, 1 << 18),
        };
        put.Headers.Add(PushProtocol.OffsetHeader, offset.ToString(CultureInfo.InvariantCulture));
        put.Headers.Add(PushProtocol.LengthHeader, length.ToString(CultureInfo.InvariantCulture));
        put.Headers.Add(PushProtocol.Sha256Header, sha256);
        put.Headers.Add(PushProtocol.StreamTypeHeader, settings.StreamType);
        using var response = await http.SendAsync(put, cancellationToken).ConfigureAwait(false);
        await CheckAsync(response, file, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
        {
            throw new HttpRequestException($"{file.RelativePath}: the repository holds {response.Headers.GetValues(PushProtocol.OffsetHeader).FirstOrDefault()} of {length} bytes");
        }

        return (sha256, length);
    }

    /// <summary>
    /// Sorts the repository's refusals: 401, 403 and 404 stop the probe (credentials, authorization or
    /// the repository's address are wrong for every file); 413 and 415 reject this file only; anything
    /// else (400 for a file that grew while it was sent, 408, 409, 422 after a rewrite, 429, 5xx) is
    /// retried. Names the repository could refuse are checked before sending.
    /// </summary>
    private static async Task CheckAsync(HttpResponseMessage response, FinishedFile file, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (status is < 300 or 304)
        {
            return;
        }

        var reason = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        throw status switch
        {
            401 or 403 or 404 => new UploadRejectedException($"{file.RelativePath}: the repository refused it ({status}: {reason})"),
            413 or 415 => new FileRejectedException($"{file.RelativePath}: the repository refused it ({status}: {reason})"),
            _ => new HttpRequestException($"{file.RelativePath}: the repository answered {status}: {reason}", null, response.StatusCode),
        };
    }

    private ResiliencePipeline Retry(CancellationToken cancellationToken) => RetryPipelines.Backoff(
        e => e is not (UploadRejectedException or FileRejectedException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
             && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested),
        (error, delay) =>
        {
            Status.Failed(error?.Message ?? "unknown error");
            logger.LogWarning("{Stream}: upload failed ({Error}); retrying in {Delay}", settings.StreamName, error?.Message, delay);
        },
        MaxAttempts,
        RetryDelay);

    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>A request body gzip-compressed while it is sent.</summary>
    private sealed class GzipContent : HttpContent
    {
        private readonly Stream _source;

        public GzipContent(Stream source)
        {
            _source = source;
            Headers.ContentEncoding.Add("gzip");
            Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            await SerializeToStreamAsync(stream, context, CancellationToken.None).ConfigureAwait(false);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await using var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
            await _source.CopyToAsync(gzip, 1 << 16, cancellationToken).ConfigureAwait(false);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
