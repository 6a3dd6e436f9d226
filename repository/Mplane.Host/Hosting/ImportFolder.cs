namespace Mplane.Host.Hosting;

/// <summary>A folder of Tstat logs the importer module imports into <paramref name="Stream"/>.</summary>
/// <param name="Path">The folder (Tstat's <c>YYYY_MM_DD_HH_MM.out</c> layout).</param>
/// <param name="Stream">The stream's base table.</param>
/// <param name="Log">The log files' name glob.</param>
/// <param name="Start">Periods before this are left alone.</param>
public sealed record ImportFolder(string Path, string Stream, string Log, DateTimeOffset Start);
