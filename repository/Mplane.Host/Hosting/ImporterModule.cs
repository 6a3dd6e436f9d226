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
/// does not hash them again at every round. A file that cannot be imported is logged once (until it changes).
/// </summary>
public sealed class ImporterModule(NpgsqlDataSource dataSource, IReadOnlyList<ImportFolder> folders, TimeSpan interval, ILoggerFactory loggers)
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
                if (_seen.Contains(key))
                {
                    continue;
                }

                try
                {
                    var result = await _importer.ImportFileAsync(file.FullPath, new ImportOptions { Stream = folder.Stream }, cancellationToken).ConfigureAwait(false);
                    _log.LogInformation("{Path}: {Status}, {Rows} rows, {Rejected} rejected", file.FullPath, result.Status, result.Rows, result.Rejected);
                }
                catch (ImportException e)
                {
                    _log.LogError("{Path} not imported: {Error}", file.FullPath, e.Message);
                }

                _seen.Add(key);
            }
        }
    }
}
