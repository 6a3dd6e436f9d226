using Microsoft.Extensions.Logging;
using Mplane.Math.Transfer;
using Mplane.Warehouse.Import;
using Npgsql;

namespace Mplane.Host.Hosting;

/// <summary>
/// Imports the finished Tstat logs of folders on this machine (Tstat writing beside the repository,
/// or files delivered by other means), every interval. Finished means what math_probe ships: never a
/// file of the newest <c>.out</c> folder, which Tstat may still write. The import is exactly once
/// whatever happens; this module only remembers, while it runs, which files it has seen so that it
/// does not hash them again at every round. A file the warehouse refuses for its content is moved to
/// the quarantine (<c>&lt;quarantine&gt;/&lt;stream&gt;/&lt;path in its folder&gt;</c>, its error beside it), out
/// of the next rounds' way; moved back, it is tried again. A file that changed while it was read (still
/// being written) is tried again at the next round.
/// </summary>
public sealed class ImporterModule(NpgsqlDataSource dataSource, IReadOnlyList<ImportFolder> folders, TimeSpan interval, Quarantine quarantine, ILoggerFactory loggers)
    : PeriodicModule(interval)
{
    private readonly Importer _importer = new(dataSource, loggers.CreateLogger<Importer>());
    private readonly ILogger _log = loggers.CreateLogger<ImporterModule>();
    private readonly HashSet<(string Path, long Size, DateTime Written)> _seen = [];

    /// <inheritdoc />
    public override string Name => "importer";

    /// <inheritdoc />
    protected override async Task RoundAsync(CancellationToken cancellationToken)
    {
        var listed = new HashSet<(string Path, long Size, DateTime Written)>();
        foreach (var folder in folders)
        {
            if (!Directory.Exists(folder.Path))
            {
                _log.LogWarning("Import folder {Folder} does not exist (yet)", folder.Path);
                continue;
            }

            foreach (var file in FinishedFiles.Select(folder.Path, folder.Start, folder.Log).Files)
            {
                var key = (file.FullPath, file.Size, File.GetLastWriteTimeUtc(file.FullPath));
                listed.Add(key);
                if (_seen.Contains(key))
                {
                    continue;
                }

                try
                {
                    var result = await _importer.ImportFileAsync(file.FullPath, new ImportOptions { Stream = folder.Stream }, cancellationToken).ConfigureAwait(false);
                    _log.LogInformation("{Path}: {Status}, {Rows} rows, {Rejected} rejected", file.FullPath, result.Status, result.Rows, result.Rejected);
                }
                catch (ImportException e) when (e.Retryable)
                {
                    _log.LogWarning("{Error}; tried again at the next round", e.Message);
                    continue;
                }
                catch (ImportException e)
                {
                    if (await QuarantineAsync(folder, file, e.Message, cancellationToken).ConfigureAwait(false))
                    {
                        continue; // gone from the folder; moved back, it is a file to try again
                    }
                }

                _seen.Add(key);
            }
        }

        // Only what the folders still hold is remembered: files deleted or moved away cost no memory.
        _seen.IntersectWith(listed);
    }

    /// <summary>Moves a refused file to the quarantine with its error beside it; false (logged) when it cannot be moved.</summary>
    private async Task<bool> QuarantineAsync(ImportFolder folder, FinishedFile file, string error, CancellationToken cancellationToken)
    {
        try
        {
            var target = await quarantine.MoveAsync(file.FullPath, folder.Stream, file.RelativePath, error, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
            _log.LogError("{Path}: not imported, quarantined in {Quarantined}: {Error}", file.FullPath, target, error);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            _log.LogError("{Path} not imported: {Error}; it cannot be quarantined ({Problem}), and is left alone until it changes", file.FullPath, error, e.Message);
            return false;
        }
    }
}
