using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mplane.LogFormats;
using Mplane.LogFormats.Reading;
using Mplane.LogFormats.Tstat;
using Mplane.Warehouse.Catalogue;
using Mplane.Warehouse.Sql;
using Mplane.Warehouse.Tables;
using Npgsql;

namespace Mplane.Warehouse.Import;

/// <summary>
/// Loads log files into their stream's base table, exactly once. Each file is read through the
/// reading layer and written with binary COPY into the partition of its window, in one transaction
/// with its ledger entry (stream, path, size, SHA-256): a file is imported whole or not at all,
/// importing it again does nothing, and a different file under an imported name is refused.
/// </summary>
public sealed class Importer(NpgsqlDataSource dataSource, ILogger<Importer>? logger = null)
{
    /// <summary>The log kind of a Tstat log that is none of the known kinds: any headed log may go with it.</summary>
    private const string GenericLogKind = "tstat";

    /// <summary>The skipped lines of one file that are logged one by one.</summary>
    private const int LoggedProblems = 10;

    private readonly ILogger _logger = logger ?? NullLogger<Importer>.Instance;

    /// <summary>Called for every rejected line (file, line, why).</summary>
    public Action<ReadProblem>? OnProblem { get; init; }

    /// <summary>Imports one file.</summary>
    /// <exception cref="ImportException">The file cannot be imported; nothing of it was stored.</exception>
    public async Task<ImportResult> ImportFileAsync(string path, ImportOptions options, CancellationToken cancellationToken)
    {
        var table = new QualifiedName(Identifier.Of(options.Schema, "schema"), ContinuousTables.TableName(options.Stream));
        var window = new TableWindow(options.Window);
        var fullPath = Path.GetFullPath(path);
        var size = new FileInfo(fullPath).Length;

        await CatalogueSchema.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        if (await PreviousImportAsync(table, fullPath, cancellationToken).ConfigureAwait(false) is { } previous)
        {
            var sha = await HashingStream.OfFileAsync(fullPath, cancellationToken).ConfigureAwait(false);
            if (sha == previous.Sha256)
            {
                return new ImportResult(fullPath, ImportStatus.AlreadyImported, previous.Rows, 0, previous.Window, sha, Late: false);
            }

            throw new ImportException(
                $"{fullPath}: a different file was already imported under this name into {table} " +
                $"(imported SHA-256 {previous.Sha256}, this file {sha}); rename it to import it as a new file");
        }

        DateTimeOffset? pathWindow = null;
        if (options.WindowSource == WindowSource.Path)
        {
            var period = TstatDirectoryLayout.PeriodStart(fullPath)
                ?? throw new ImportException($"{fullPath}: no YYYY_MM_DD_HH_MM.out folder in the path gives its time; import it with the row time source");
            pathWindow = window.StartOf(period);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var hashing = new HashingStream(new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan));
        var rejected = 0L;
        var problems = new List<ReadProblem>();
        void Reject(ReadProblem problem)
        {
            rejected++;
            if (problems.Count < 100)
            {
                problems.Add(problem);
            }

            // The operator's log names each skipped line (file, line, why), the first few of a file.
            if (rejected <= LoggedProblems)
            {
                _logger.LogWarning("{Path}:{Line}: {Problem}", problem.Source, problem.Line, problem.Message);
            }
            else if (rejected == LoggedProblems + 1)
            {
                _logger.LogWarning("{Path}: more lines skipped; they are counted, not logged", problem.Source);
            }

            OnProblem?.Invoke(problem);
        }

        RecordReader reader;
        try
        {
            var (decompressed, _) = await InputTransforms.OpenAsync(hashing, fullPath, cancellationToken).ConfigureAwait(false);
            reader = new RecordReader(decompressed, fullPath, new RecordReaderOptions { Method = options.Method, OnProblem = Reject });
        }
        catch (LogFormatException e)
        {
            await hashing.DisposeAsync().ConfigureAwait(false);
            throw new ImportException(e.Message, e);
        }

        long rows;
        DateTimeOffset? firstWindow;
        DateTimeOffset lastWindow = default;
        string sha256;
        await using (reader.ConfigureAwait(false))
        {
            try
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (reader.Format is null)
                    {
                        // Not even a header (Tstat writes one into every log): a file cut to nothing, whose
                        // import would record the name as done and refuse the real file later.
                        throw new ImportException($"{fullPath}: the file is empty ({size} bytes, no header line); a log has at least its header");
                    }

                    rows = 0;
                    firstWindow = pathWindow;
                }
                else
                {
                    var format = reader.Current.Format;
                    // A field called serial_time (MAWI's) is the row's time: it becomes the key column, not a second one.
                    var columnsToCreate = format.Fields
                        .Where(f => !string.Equals(f.Name, ColumnDefinition.SerialTime.Name, StringComparison.OrdinalIgnoreCase))
                        .Select(ColumnDefinition.For)
                        .ToList();
                    var target = await ContinuousTables.EnsureAsync(
                        connection, table, "base", window, columnsToCreate, format.Name, cancellationToken).ConfigureAwait(false);

                    // Under the table's lock now: a concurrent import of the same file may have committed meanwhile.
                    if (await LedgerHasAsync(connection, table, fullPath, cancellationToken).ConfigureAwait(false))
                    {
                        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                        return await ImportFileAsync(path, options, cancellationToken).ConfigureAwait(false);
                    }

                    // A log of another kind (a UDP log in the TCP stream) would fill the table with rows of nulls.
                    if (target.LogFormat is { } kind && kind != GenericLogKind && kind != format.Name)
                    {
                        throw new ImportException(
                            $"{fullPath}:{reader.Current.LineNumber}: the header is of a {format.Name} log, but {table} holds {kind} logs; import it into a stream of its kind");
                    }

                    var columns = await ContinuousTables.ColumnsAsync(connection, table, cancellationToken).ConfigureAwait(false);
                    if (options.Indexes is { } indexes)
                    {
                        await PartitionIndexer.SetIndexColumnsAsync(connection, table, indexes, cancellationToken).ConfigureAwait(false);
                    }

                    (rows, firstWindow, lastWindow) = pathWindow is { } start
                        ? (await CopyIntoPartitionAsync(connection, target, start, reader, columns, Reject, cancellationToken).ConfigureAwait(false), start, start)
                        : await CopyByRowTimeAsync(connection, target, reader, columns, Reject, cancellationToken).ConfigureAwait(false);
                }

                sha256 = await hashing.FinishAsync(cancellationToken).ConfigureAwait(false);
                if (hashing.BytesRead != size)
                {
                    throw new ImportException(
                        $"{fullPath}: the file changed while it was read ({size} bytes at the start, {hashing.BytesRead} read); import it once it is finished")
                    {
                        Retryable = true,
                    };
                }
            }
            catch (LogFormatException e)
            {
                throw new ImportException(e.Message, e);
            }
            catch (RetiredWindowException e)
            {
                throw new ImportException($"{fullPath}: not imported, {e.Message}", e);
            }
        }

        var total = rows + rejected;
        if (rejected > Math.Max(options.ErrorAllowance, options.ErrorBudget * total))
        {
            var examples = string.Join("; ", problems.Take(3).Select(p => p.ToString()));
            throw new ImportException(
                $"{fullPath}: {rejected} of {total} lines rejected, over the error budget ({options.ErrorBudget:P0}, at least {options.ErrorAllowance} lines); " +
                $"the file was not imported. First problems: {examples}");
        }

        // The same content under another name (a copy, a file moved after its import) is the same file.
        if (rows > 0 && await ImportedAsAsync(connection, table, sha256, cancellationToken).ConfigureAwait(false) is { } original)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return new ImportResult(fullPath, ImportStatus.Duplicate, rows, rejected, firstWindow, sha256, Late: false, DuplicateOf: original);
        }

        if (rows > 0 && firstWindow is { } teeFrom)
        {
            foreach (var (tee, teed) in await ImportTees.FeedAsync(connection, table, teeFrom, lastWindow + window.Length, fullPath, cancellationToken).ConfigureAwait(false))
            {
                _logger.LogInformation("Teed {Rows} rows of {Path} into {Target}", teed, fullPath, tee.Target);
            }
        }

        var late = await RecordAsync(connection, table, fullPath, hashing.BytesRead, sha256, firstWindow, lastWindow, rows, rejected, cancellationToken).ConfigureAwait(false);
        if (late && firstWindow is { } lateWindow)
        {
            // Views already computed over this window are stale: the scheduler recomputes them in order.
            var marked = await Jobs.JobCatalog.MarkDependentsAsync(
                connection, table, lateWindow, lastWindow + window.Length, $"late file {fullPath}", cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Late file {Path}: {Windows} view windows marked for recomputation", fullPath, marked);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Imported {Path} into {Table}: {Rows} rows, {Rejected} rejected", fullPath, table, rows, rejected);
        await PartitionIndexer.IndexClosedPartitionsAsync(dataSource, table, cancellationToken).ConfigureAwait(false);
        return new ImportResult(fullPath, ImportStatus.Imported, rows, rejected, firstWindow, sha256, late);
    }

    /// <summary>
    /// Declares the stream complete through the end of its newest window: no more files will come for
    /// it, so the jobs may compute it (otherwise the last window waits for a later file to close it).
    /// Returns the new end of complete data, or null when nothing was imported yet.
    /// </summary>
    public async Task<DateTimeOffset?> MarkCompleteAsync(string schema, string stream, CancellationToken cancellationToken)
    {
        var table = new QualifiedName(Identifier.Of(schema, "schema"), ContinuousTables.TableName(stream));
        await CatalogueSchema.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        await using var command = dataSource.CreateCommand(
            """
            UPDATE mplane.stream_progress p
            SET complete_before = greatest(p.complete_before, p.newest_window + make_interval(secs => t.window_seconds))
            FROM mplane.tables t
            WHERE p.schema_name = $1 AND p.stream = $2 AND t.schema_name = p.schema_name AND t.table_name = p.stream
            RETURNING p.complete_before
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = table.Schema.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = table.Table.Name });
        var end = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime time ? new DateTimeOffset(time, TimeSpan.Zero) : (DateTimeOffset?)null;
        await PartitionIndexer.IndexClosedPartitionsAsync(dataSource, table, cancellationToken).ConfigureAwait(false);
        return end;
    }

    private static async Task<bool> LedgerHasAsync(NpgsqlConnection connection, QualifiedName table, string path, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT 1 FROM mplane.imports WHERE schema_name = $1 AND stream = $2 AND path = $3", connection)
        {
            Parameters = { new() { Value = table.Schema.Name }, new() { Value = table.Table.Name }, new() { Value = path } },
        };
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>The path under which content with this SHA-256 and at least one row was imported, or null.</summary>
    private static async Task<string?> ImportedAsAsync(NpgsqlConnection connection, QualifiedName table, string sha256, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT path FROM mplane.imports WHERE schema_name = $1 AND stream = $2 AND sha256 = $3 AND row_count > 0 ORDER BY imported_at LIMIT 1", connection)
        {
            Parameters = { new() { Value = table.Schema.Name }, new() { Value = table.Table.Name }, new() { Value = sha256 } },
        };
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    private async Task<(string Sha256, long Rows, DateTimeOffset? Window)?> PreviousImportAsync(QualifiedName table, string path, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT sha256, row_count, window_start FROM mplane.imports WHERE schema_name = $1 AND stream = $2 AND path = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = table.Schema.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = table.Table.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = path });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return (reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
    }

    private static async Task<long> CopyIntoPartitionAsync(
        NpgsqlConnection connection, ContinuousTable table, DateTimeOffset windowStart, RecordReader reader,
        IReadOnlyList<(string Name, string Type)> columns, Action<ReadProblem> reject, CancellationToken cancellationToken)
    {
        var (partition, created) = await ContinuousTables.EnsurePartitionAsync(connection, table, windowStart, cancellationToken).ConfigureAwait(false);
        var serialTime = windowStart.UtcDateTime;

        // A partition created by this transaction can be loaded frozen: no later pass to set hint bits or freeze it.
        var rows = await CopyAsync(connection, partition.Quoted, reader, columns, reject, _ => serialTime, freeze: created, cancellationToken).ConfigureAwait(false);
        await AddRowsAsync(connection, table, windowStart, rows, cancellationToken).ConfigureAwait(false);
        return rows;
    }

    private static async Task<(long Rows, DateTimeOffset? FirstWindow, DateTimeOffset LastWindow)> CopyByRowTimeAsync(
        NpgsqlConnection connection, ContinuousTable table, RecordReader reader,
        IReadOnlyList<(string Name, string Type)> columns, Action<ReadProblem> reject, CancellationToken cancellationToken)
    {
        // Rows may fall into several windows: stage them, create the partitions they need, then move them.
        await using (var stage = new NpgsqlCommand($"CREATE TEMP TABLE mplane_stage (LIKE {table.Name.Quoted}) ON COMMIT DROP", connection))
        {
            await stage.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        RecordFormat? format = null;
        var timeField = -1;
        DateTime? TimeOf(RecordCursor record)
        {
            if (!ReferenceEquals(record.Format, format))
            {
                format = record.Format;
                timeField = TimeField(format, reader.Source);
            }

            return RowTime(record, timeField, out var time) ? time : null;
        }

        var rows = await CopyAsync(connection, "mplane_stage", reader, columns, reject, TimeOf, freeze: false, cancellationToken).ConfigureAwait(false);

        var seconds = (long)table.Window.Length.TotalSeconds;
        var windows = new List<(DateTimeOffset Start, long Rows)>();
        await using (var select = new NpgsqlCommand(
            "SELECT to_timestamp(floor(extract(epoch FROM serial_time) / $1) * $1) AS w, count(*) FROM mplane_stage GROUP BY w ORDER BY w", connection))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = seconds });
            await using var result = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await result.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                windows.Add((result.GetFieldValue<DateTimeOffset>(0), result.GetInt64(1)));
            }
        }

        foreach (var (start, count) in windows)
        {
            await ContinuousTables.EnsurePartitionAsync(connection, table, start, cancellationToken).ConfigureAwait(false);
            await AddRowsAsync(connection, table, start, count, cancellationToken).ConfigureAwait(false);
        }

        await using (var move = new NpgsqlCommand($"INSERT INTO {table.Name.Quoted} SELECT * FROM mplane_stage", connection) { CommandTimeout = 0 })
        {
            await move.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return (rows, windows.Count > 0 ? windows[0].Start : null, windows.Count > 0 ? windows[^1].Start : default);
    }

    /// <summary>Binary-COPYs the reader's records (from the current one on) into <paramref name="target"/>.</summary>
    private static async Task<long> CopyAsync(
        NpgsqlConnection connection, string target, RecordReader reader, IReadOnlyList<(string Name, string Type)> columns,
        Action<ReadProblem> reject, Func<RecordCursor, DateTime?> timeOf, bool freeze, CancellationToken cancellationToken)
    {
        var converter = new RowConverter(reader.Current.Format, columns);
        long rows = 0;
        var copy = await connection.BeginRawBinaryCopyAsync(
            $"COPY {target} ({converter.CopyColumns}) FROM STDIN (FORMAT BINARY{(freeze ? ", FREEZE" : string.Empty)})", cancellationToken).ConfigureAwait(false);
        await using (copy.ConfigureAwait(false))
        {
            try
            {
                var writer = new PgBinaryCopyWriter(copy);
                writer.WriteHeader();
                do
                {
                    var record = reader.Current;
                    if (!ReferenceEquals(record.Format, converter.Format))
                    {
                        converter = new RowConverter(record.Format, columns);
                    }

                    if (timeOf(record) is not { } time)
                    {
                        reject(new ReadProblem(reader.Source, record.LineNumber, "no valid time to window the row by"));
                        continue;
                    }

                    if (!converter.TryConvert(record, out var problem))
                    {
                        reject(new ReadProblem(reader.Source, record.LineNumber, problem!));
                        continue;
                    }

                    converter.Write(writer, record, time.Ticks);
                    rows++;
                    if (writer.ShouldFlush)
                    {
                        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false));

                await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not NpgsqlException)
            {
                // Failed on this side (a corrupt or cut input, a cancellation): abandon the COPY. Disposing it
                // would end it as if the data were whole, and the server's complaint about the cut data
                // would replace this error.
                await AbandonAsync(copy).ConfigureAwait(false);
                throw;
            }
        }

        return rows;
    }

    /// <summary>Cancels a COPY in progress (its rows are discarded); a connection already broken has lost them anyway.</summary>
    private static async Task AbandonAsync(NpgsqlRawCopyStream copy)
    {
        try
        {
            await copy.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private static async Task AddRowsAsync(NpgsqlConnection connection, ContinuousTable table, DateTimeOffset windowStart, long rows, CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand(
            "UPDATE mplane.partitions SET row_count = row_count + $4, updated_at = now() WHERE schema_name = $1 AND table_name = $2 AND window_start = $3", connection)
        {
            Parameters =
            {
                new() { Value = table.Name.Schema.Name }, new() { Value = table.Name.Table.Name },
                new() { Value = windowStart }, new() { Value = rows },
            },
        };
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the ledger entry and the stream's progress; true when the file arrived late.</summary>
    private static async Task<bool> RecordAsync(
        NpgsqlConnection connection, QualifiedName table, string path, long size, string sha256, DateTimeOffset? window, DateTimeOffset lastWindow,
        long rows, long rejected, CancellationToken cancellationToken)
    {
        await using (var ledger = new NpgsqlCommand(
            """
            INSERT INTO mplane.imports (schema_name, stream, path, size_bytes, sha256, window_start, row_count, rejected_rows)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, connection)
        {
            Parameters =
            {
                new() { Value = table.Schema.Name }, new() { Value = table.Table.Name }, new() { Value = path },
                new() { Value = size }, new() { Value = sha256 }, new() { Value = (object?)window ?? DBNull.Value },
                new() { Value = rows }, new() { Value = rejected },
            },
        })
        {
            await ledger.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (window is null)
        {
            return false;
        }

        // A file for a later window closes every earlier window; a file for a closed window is late.
        DateTimeOffset? closedBefore = null;
        await using (var current = new NpgsqlCommand(
            "SELECT complete_before FROM mplane.stream_progress WHERE schema_name = $1 AND stream = $2 FOR UPDATE", connection)
        {
            Parameters = { new() { Value = table.Schema.Name }, new() { Value = table.Table.Name } },
        })
        {
            if (await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime before)
            {
                closedBefore = new DateTimeOffset(before, TimeSpan.Zero);
            }
        }

        await using var progress = new NpgsqlCommand(
            """
            INSERT INTO mplane.stream_progress AS p (schema_name, stream, complete_before, newest_window)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (schema_name, stream) DO UPDATE SET
                complete_before = greatest(p.complete_before, excluded.complete_before),
                newest_window = greatest(p.newest_window, excluded.newest_window)
            """, connection)
        {
            Parameters =
            {
                new() { Value = table.Schema.Name }, new() { Value = table.Table.Name }, new() { Value = window.Value },
                new() { Value = lastWindow > window.Value ? lastWindow : window.Value },
            },
        };
        await progress.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return closedBefore > window.Value;
    }

    private static int TimeField(RecordFormat format, string source)
    {
        foreach (var name in new[] { "first", "serial_time" })
        {
            var index = format.IndexOf(name);
            if (index >= 0 && format.Fields[index].Type is FieldType.Instant or FieldType.UnixSeconds)
            {
                return index;
            }
        }

        throw new ImportException($"{source}: rows have no 'first' or 'serial_time' time to window them by; import with the path time source");
    }

    private static bool RowTime(RecordCursor record, int field, out DateTime time)
    {
        time = default;
        if (!record.TryGetDouble(field, out var value))
        {
            return false;
        }

        var perUnit = record.Format.Fields[field].Type == FieldType.UnixSeconds ? TimeSpan.TicksPerSecond : TimeSpan.TicksPerMillisecond;
        var ticks = value * perUnit;
        if (double.IsNaN(ticks) || ticks < 0 || ticks > DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks)
        {
            return false;
        }

        time = new DateTime(DateTime.UnixEpoch.Ticks + (long)ticks, DateTimeKind.Utc);
        return true;
    }

}
