using Microsoft.Extensions.Logging;
using Mplane.LogFormats.Methods;
using Mplane.Math.Transfer;
using Mplane.Warehouse.Import;

namespace Mplane.Math.Repo;

/// <summary>What happens to a file once it is stored: the original's <c>fileHandler</c>.</summary>
public interface IFileHandler
{
    /// <summary>Handles one stored file; throws when it cannot (the file stays stored and is reported).</summary>
    /// <returns>The rows it imported from the file (0 when they were all there already), or null when the handler imports nothing.</returns>
    Task<long?> HandleAsync(LedgerEntry file, string storedPath, CancellationToken cancellationToken);
}

/// <summary>The <c>copy</c> handler: storing the file was all there was to do.</summary>
public sealed class CopyHandler : IFileHandler
{
    /// <inheritdoc />
    public Task<long?> HandleAsync(LedgerEntry file, string storedPath, CancellationToken cancellationToken) => Task.FromResult<long?>(null);
}

/// <summary>
/// The warehouse handler (the original's <c>dbs</c>): imports the file exactly once into the stream's
/// base table (the stream name lower-cased), placed in time by its Tstat path, or by each row's time
/// for MAWI summaries, which carry it.
/// </summary>
public sealed class WarehouseHandler(Importer importer, string schema, ILogger<WarehouseHandler> logger) : IFileHandler
{
    /// <inheritdoc />
    public async Task<long?> HandleAsync(LedgerEntry file, string storedPath, CancellationToken cancellationToken)
    {
        var mawi = file.Detail is { } type && type.StartsWith("mawi", StringComparison.OrdinalIgnoreCase);
        var options = new ImportOptions
        {
            Stream = file.Stream.ToLowerInvariant(),
            Schema = schema,
            Method = mawi ? new MethodRegistry().Get("mawi") : null,
            WindowSource = mawi ? WindowSource.Row : WindowSource.Path,
        };
        var result = await importer.ImportFileAsync(storedPath, options, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("{Stream}/{Path}: {Status}, {Rows} rows, {Rejected} rejected", file.Stream, file.Path, result.Status, result.Rows, result.Rejected);

        // A file imported before (handled again after a crash) or whose content came under another
        // path adds no rows now: counting them again would count them twice in a collection's report.
        return result.Status == ImportStatus.Imported ? result.Rows : 0;
    }
}
