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
/// resuming from the last byte the repository holds; an upload cut after the repository took more of
/// the file resumes at once. Every wait on the repository is bounded by the stall timeout.
/// </summary>
public sealed class PushUploader(ProbeSettings settings, IHttpClientFactory clients, TransferLedger ledger, ILogger<PushUploader> logger)
{
    /// <summary>How many times one file is retried before the pass gives up (null: for ever).</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>The first retry delay (doubling, with jitter, up to a minute).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an upload may make no progress when the settings do not say.</summary>
    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The most of an error answer's body kept as its reason.</summary>
    private const int MaxReasonBytes = 4096;

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
                sent = await UploadRetryingAsync(file, precomputed, retry, cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// Uploads one file, retrying with backoff. An attempt that finds the repository holding more of
    /// the file than any attempt before (the file moved on since) and then breaks off is retried at
    /// once, with the backoff and its count of attempts started afresh: a link that drops every few
    /// megabytes still moves the file at its own pace, while a repository that keeps nothing meets the
    /// backoff. A retry after the backoff hashes again (a file rewritten meanwhile is sent as it is
    /// now); a resume at once goes on with the same content (a rewrite then fails the checksum, 422).
    /// </summary>
    private async Task<(string Sha256, long Length)> UploadRetryingAsync(FinishedFile file, string? knownSha256, ResiliencePipeline retry, CancellationToken cancellationToken)
    {
        var most = -1L; // the most of the file the repository was seen holding
        while (true)
        {
            try
            {
                return await retry.ExecuteAsync(
                    async ct =>
                    {
                        var attempt = new Attempt { Sha256 = knownSha256 };
                        knownSha256 = null;
                        try
                        {
                            return await UploadAsync(file, attempt, ct).ConfigureAwait(false);
                        }
                        catch (Exception e) when (Retryable(e, ct) && attempt.Offset > most)
                        {
                            (most, knownSha256) = (attempt.Offset, attempt.Sha256);
                            throw new MovedOnException(e);
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (MovedOnException e)
            {
                Status.Failed(e.InnerException!.Message);
                logger.LogWarning(
                    "{Stream}: {Path}: the upload from byte {Offset:N0} broke off ({Error}); resuming",
                    settings.StreamName, file.RelativePath, most, e.InnerException.Message);
            }
        }
    }

    /// <summary>
    /// One attempt: hash the file (unless its hash is known), HEAD for the offset, then PUT the rest;
    /// returns the SHA-256 acknowledged. No answer and no body byte taken for the stall timeout
    /// abandons the attempt (a peer gone silent, a half-open connection). An answer that does not
    /// follow the protocol (an offset or checksum that is no number, an acknowledgement that does not
    /// confirm the whole file) is a transient failure, never an acknowledgement or a refusal.
    /// </summary>
    private async Task<(string Sha256, long Length)> UploadAsync(FinishedFile file, Attempt attempt, CancellationToken cancellationToken)
    {
        var length = new FileInfo(file.FullPath).Length;
        var sha256 = attempt.Sha256 ??= await HashAsync(file.FullPath, cancellationToken).ConfigureAwait(false);
        var http = clients.CreateClient(ProbeHttp.ClientName);
        var resource = new Uri(settings.Repository, PushProtocol.FilePath(settings.StreamName, file.RelativePath));
        var stallTimeout = settings.StallTimeout ?? DefaultStallTimeout;
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(stallTimeout);
        try
        {
            using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, resource), HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
            await CheckAsync(head, file, stall.Token).ConfigureAwait(false);
            if (head.Headers.TryGetValues(PushProtocol.CompleteHeader, out var complete) && complete.Contains("true"))
            {
                var stored = head.Headers.TryGetValues(PushProtocol.Sha256Header, out var hashes) ? hashes.FirstOrDefault() : null;
                if (stored == sha256)
                {
                    return (sha256, length); // stored before the acknowledgement reached us
                }

                if (stored is not { Length: 64 } || !stored.All(char.IsAsciiHexDigitLower))
                {
                    throw new HttpRequestException($"{file.RelativePath}: the repository answered an invalid {PushProtocol.Sha256Header} '{stored}'");
                }

                throw new FileRejectedException($"{file.RelativePath}: the repository holds other content under this name (SHA-256 {stored}, this file {sha256})");
            }

            long offset = 0;
            if (head.Headers.TryGetValues(PushProtocol.OffsetHeader, out var held) &&
                !long.TryParse(held.First(), NumberStyles.None, CultureInfo.InvariantCulture, out offset))
            {
                throw new HttpRequestException($"{file.RelativePath}: the repository answered an invalid {PushProtocol.OffsetHeader} '{held.First()}'");
            }

            attempt.Offset = offset;
            // The repository lists the request encodings it accepts in Accept-Encoding (RFC 7694).
            var gzip = settings.Gzip && head.Headers.NonValidated.TryGetValues("Accept-Encoding", out var accepted) &&
                       accepted.Any(a => a.Contains("gzip", StringComparison.OrdinalIgnoreCase));
            var opened = new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 0, FileOptions.Asynchronous | FileOptions.SequentialScan) { Position = offset };
            await using var source = new ProgressStream(
                opened,
                offset,
                length,
                ProgressInterval,
                (sent, total) => logger.LogInformation("{Stream}: {Path}: {Sent:N0} of {Total:N0} bytes ({Percent:0}%)", settings.StreamName, file.RelativePath, sent, total, 100.0 * sent / System.Math.Max(total, 1)),
                _ => stall.CancelAfter(stallTimeout)); // the repository takes the body: it is alive; after the last byte, its answer has as long
            using var put = new HttpRequestMessage(HttpMethod.Put, resource)
            {
                Content = gzip ? new GzipContent(source) : new StreamContent(source, 1 << 18),
            };
            put.Headers.Add(PushProtocol.OffsetHeader, offset.ToString(CultureInfo.InvariantCulture));
            put.Headers.Add(PushProtocol.LengthHeader, length.ToString(CultureInfo.InvariantCulture));
            put.Headers.Add(PushProtocol.Sha256Header, sha256);
            put.Headers.Add(PushProtocol.StreamTypeHeader, settings.StreamType);
            using var response = await http.SendAsync(put, HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
            await CheckAsync(response, file, stall.Token).ConfigureAwait(false);
            var confirmed = response.Headers.TryGetValues(PushProtocol.OffsetHeader, out var offsets) ? offsets.FirstOrDefault() : null;
            if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
            {
                throw new HttpRequestException($"{file.RelativePath}: the repository holds {confirmed ?? "an unknown number"} of {length} bytes");
            }

            // An acknowledgement confirms the whole file: a 200 or 201 that does not is no acknowledgement.
            if (confirmed != length.ToString(CultureInfo.InvariantCulture))
            {
                throw new HttpRequestException(
                    $"{file.RelativePath}: the repository answered {(int)response.StatusCode} without confirming the file's {length} bytes ({PushProtocol.OffsetHeader}: {confirmed ?? "absent"})");
            }

            return (sha256, length);
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{file.RelativePath}: the repository made no progress for {stallTimeout.TotalSeconds:0} s; the attempt was abandoned");
        }
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

        var reason = await ReasonAsync(response, cancellationToken).ConfigureAwait(false);
        throw status switch
        {
            401 or 403 or 404 => new UploadRejectedException($"{file.RelativePath}: the repository refused it ({status}: {reason})"),
            413 or 415 => new FileRejectedException($"{file.RelativePath}: the repository refused it ({status}: {reason})"),
            _ => new HttpRequestException($"{file.RelativePath}: the repository answered {status}: {reason}", null, response.StatusCode),
        };
    }

    /// <summary>The start of an error answer's body, at most <see cref="MaxReasonBytes"/>: a peer cannot make the probe hold more.</summary>
    private static async Task<string> ReasonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[MaxReasonBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
    }

    /// <summary>What the backoff retries: anything but a refusal, a file gone or unreadable, an attempt after which the file moved on, or the caller's cancellation.</summary>
    private static bool Retryable(Exception e, CancellationToken cancellationToken) =>
        e is not (UploadRejectedException or FileRejectedException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or MovedOnException)
        && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested);

    private ResiliencePipeline Retry(CancellationToken cancellationToken) => RetryPipelines.Backoff(
        e => Retryable(e, cancellationToken),
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

    /// <summary>What one attempt learned: the file's SHA-256, and the offset the repository held (-1 before it said).</summary>
    private sealed class Attempt
    {
        public string? Sha256 { get; set; }

        public long Offset { get; set; } = -1;
    }

    /// <summary>An attempt that broke off after the file had moved on since the attempt before: resumed at once, not backed off.</summary>
    private sealed class MovedOnException(Exception inner) : Exception(inner.Message, inner);

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
