using System.Globalization;
using Microsoft.Extensions.Logging;
using Mplane.Components.Runtime;
using Mplane.Math.Transfer;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Temporal;

namespace Mplane.RepositoryProxy;

/// <summary>Where math_repo is and how long the proxy waits for the last files of a scope to be imported.</summary>
/// <param name="Advertised">The single value of <c>repository.url</c>: the bare <c>host:port</c> that Tstat proxies hand to math_probe.</param>
/// <param name="Settle">After the scope's end, how long to wait for files stored in it to be imported before reporting.</param>
/// <param name="PollInterval">How often the report is read while waiting.</param>
public sealed record CollectLogSettings(string Advertised, TimeSpan Settle, TimeSpan PollInterval);

/// <summary>
/// <c>repository-collect_log</c>. The original only advertised math_repo's address and, when run,
/// crashed or answered a placeholder row. This one opens a collection on math_repo for the
/// specification's time scope on behalf of the requester, waits for the scope to end (or for an
/// interrupt, which ends it early), waits for the files stored in the scope to be imported, and
/// answers one row per stream: files, failed files, bytes and rows imported. A scope that starts in
/// the past reports what already arrived since its start.
/// </summary>
public sealed class CollectLogService(MathRepoCollections collections, CollectLogSettings settings, IReadOnlyDictionary<string, string> metadata, ILogger<CollectLogService> logger)
    : IService
{
    /// <summary>The capability's label.</summary>
    public const string Label = "repository-collect_log";

    /// <summary>The result columns, in order.</summary>
    public static readonly IReadOnlyList<string> Columns = ["log.type", "repository.files", "repository.files.failed", "repository.bytes", "repository.rows"];

    /// <inheritdoc />
    public Statement Capability { get; } = RepositoryCapabilities.Build(
        Label, "past ... future", new Dictionary<string, string> { ["repository.url"] = settings.Advertised }, Columns, metadata);

    /// <inheritdoc />
    public Task<Statement> RunAsync(Statement specification, CancellationToken cancellationToken) =>
        RunAsync(specification, "unknown", cancellationToken);

    /// <inheritdoc />
    public async Task<Statement> RunAsync(Statement specification, string requester, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var (from, to) = When.Parse(specification.When).Evaluate(now);
        if (from is not null && to == from)
        {
            throw new ServiceException($"the scope '{specification.When}' is a single instant; give a range (now + 1h, start ... end, or now ... future until interrupted)");
        }

        var start = from ?? DateTimeOffset.UnixEpoch; // past: everything math_repo still knows of
        var end = to;                                 // null (future): until interrupted
        if (end is { } e && e <= start)
        {
            throw new ServiceException($"the scope '{specification.When}' ends before it starts");
        }

        CollectionReport? report = null;
        try
        {
            report = await collections.OpenAsync(start, end, requester, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Collection {Id} opened on math_repo for {Requester}: {Start:o} ... {End:o}", report.Id, requester, start, end);
            if (!await WaitForEndAsync(end, cancellationToken).ConfigureAwait(false))
            {
                report = await collections.EndAsync(report.Id, CancellationToken.None).ConfigureAwait(false);
                logger.LogInformation("Collection {Id} ended early by an interrupt", report.Id);
            }

            // The scope is over: an interrupt now must not cost the report, so settling is bounded by its own deadline only.
            report = await SettleAsync(report, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error) when (error is MathRepoException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogError("repository-collect_log: {Error}", error.Message);
            await EndQuietlyAsync(report).ConfigureAwait(false);
            throw new ServiceException(error is MathRepoException { Status: { } status } ? $"math_repo refused the collection ({(int)status})" : "math_repo cannot be reached");
        }
        catch
        {
            await EndQuietlyAsync(report).ConfigureAwait(false);
            throw;
        }

        var ended = report.End is { } reportEnd && reportEnd < DateTimeOffset.UtcNow ? reportEnd : DateTimeOffset.UtcNow;
        return specification with
        {
            Kind = MessageKind.Result,
            When = $"{Protocol.Values.ValueCodec.FormatTime(start)} ... {Protocol.Values.ValueCodec.FormatTime(ended)}",
            Link = null,
            Results = Columns,
            ResultValues = [.. report.Streams.OrderBy(s => s.Stream, StringComparer.Ordinal).Select(Row)],
        };
    }

    private static IReadOnlyList<string> Row(CollectedStream stream) =>
    [
        stream.Stream,
        stream.Files.ToString(CultureInfo.InvariantCulture),
        stream.Failed.ToString(CultureInfo.InvariantCulture),
        stream.Bytes.ToString(CultureInfo.InvariantCulture),
        stream.Rows.ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>Waits for the scope's end; false when an interrupt came first.</summary>
    private static async Task<bool> WaitForEndAsync(DateTimeOffset? end, CancellationToken cancellationToken)
    {
        try
        {
            await Waits.UntilAsync(end, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Ends a collection left open by a failure, so that it does not stay open on math_repo; a failure to end it is only logged.</summary>
    private async Task EndQuietlyAsync(CollectionReport? report)
    {
        if (report is null || report.Ended)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await collections.EndAsync(report.Id, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MathRepoException or HttpRequestException or OperationCanceledException)
        {
            logger.LogWarning("Collection {Id} could not be ended on math_repo: {Error}", report.Id, e.Message);
        }
    }

    /// <summary>Reads the report until no file of the scope waits for the importer, or the settle time is over.</summary>
    private async Task<CollectionReport> SettleAsync(CollectionReport report, CancellationToken cancellationToken)
    {
        var token = cancellationToken;
        var deadline = DateTimeOffset.UtcNow + settings.Settle;
        report = await collections.ReportAsync(report.Id, token).ConfigureAwait(false);
        while (report.Pending > 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(settings.PollInterval, token).ConfigureAwait(false);
            report = await collections.ReportAsync(report.Id, token).ConfigureAwait(false);
        }

        if (report.Pending > 0)
        {
            logger.LogWarning("Collection {Id}: {Pending} files still wait for the importer after {Settle}; they are not counted", report.Id, report.Pending, settings.Settle);
        }

        return report;
    }
}
