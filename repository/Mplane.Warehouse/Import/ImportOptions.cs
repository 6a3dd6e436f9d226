using Mplane.LogFormats;

namespace Mplane.Warehouse.Import;

/// <summary>How a file's rows are placed in time.</summary>
public enum WindowSource
{
    /// <summary>From the file's Tstat path (<c>YYYY_MM_DD_HH_MM.out</c>, UTC): every row in that window.</summary>
    Path,

    /// <summary>From each row's first-packet time (<c>first</c>, or <c>serial_time</c> for MAWI).</summary>
    Row,
}

/// <summary>What to import into, and how.</summary>
public sealed record ImportOptions
{
    /// <summary>The stream: the base table's name.</summary>
    public required string Stream { get; init; }

    /// <summary>The schema of the base table.</summary>
    public string Schema { get; init; } = "public";

    /// <summary>The base table's window (fixed when the table is created).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Where rows get their time from.</summary>
    public WindowSource WindowSource { get; init; } = WindowSource.Path;

    /// <summary>The method to read with; null to recognise it.</summary>
    public IRecordMethod? Method { get; init; }

    /// <summary>The share of a file's lines that may be rejected before the whole file is.</summary>
    public double ErrorBudget { get; init; } = 0.01;

    /// <summary>Columns to index on each partition once its window is closed (null: keep the table's setting).</summary>
    public IReadOnlyList<string>? Indexes { get; init; }

    /// <summary>Rejected lines always tolerated, whatever the share (a few bad lines in a small file).</summary>
    public int ErrorAllowance { get; init; } = 10;
}

/// <summary>What happened to one file.</summary>
public enum ImportStatus
{
    /// <summary>Its rows were imported.</summary>
    Imported,

    /// <summary>The same file (same path, same SHA-256) was imported before: nothing was done.</summary>
    AlreadyImported,

    /// <summary>The same content was imported before under another path: nothing was done.</summary>
    Duplicate,
}

/// <summary>The outcome of importing one file.</summary>
/// <param name="Path">The file.</param>
/// <param name="Status">Imported or already there.</param>
/// <param name="Rows">Rows imported.</param>
/// <param name="Rejected">Lines rejected (wrong field count or a value of the wrong type).</param>
/// <param name="WindowStart">The (first) window its rows went to.</param>
/// <param name="Sha256">The file's SHA-256, hex.</param>
/// <param name="Late">Whether it arrived for a window that had already been closed.</param>
/// <param name="DuplicateOf">For a duplicate, the path its content was imported under.</param>
public sealed record ImportResult(
    string Path, ImportStatus Status, long Rows, long Rejected, DateTimeOffset? WindowStart, string Sha256, bool Late, string? DuplicateOf = null);

/// <summary>A file that cannot be imported; nothing of it was stored. The message names the file (and the line, where one applies).</summary>
public sealed class ImportException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// The file changed while it was read (it is still being written): importing it again once it is
    /// finished may succeed, so it is not bad input. Every other refusal is about the file's content or
    /// name, and importing the same file again fails the same way.
    /// </summary>
    public bool Retryable { get; init; }
}
