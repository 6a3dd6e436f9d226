using System.Globalization;
using System.Text;
using Mplane.Configuration;

namespace Mplane.Host.Remote;

/// <summary>
/// The remote status as one screen of plain text, at most <see cref="Width"/> columns wide: modules,
/// streams, jobs and the queue, retention, open alarms and the stream engine's queries. Times are UTC;
/// ages are compact (<c>42s</c>, <c>5m</c>, <c>3h</c>, <c>12d</c>).
/// </summary>
public static class RemoteScreen
{
    /// <summary>The widest line.</summary>
    public const int Width = 100;

    /// <summary>Renders <paramref name="snapshot"/>; <paramref name="source"/> names the database it came from.</summary>
    public static string Render(RepositorySnapshot snapshot, string source)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var output = new StringBuilder();
        output.Append(TextTable.Fit(string.Create(CultureInfo.InvariantCulture, $"mplane remote   {snapshot.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC   {source}"), Width)).Append("\n\n");
        Modules(snapshot, output);
        Streams(snapshot, output);
        Jobs(snapshot, output);
        Retention(snapshot, output);
        Alarms(snapshot, output);
        Queries(snapshot, output);
        return output.ToString();
    }

    private static void Modules(RepositorySnapshot snapshot, StringBuilder output)
    {
        output.Append("MODULES\n");
        if (snapshot.Modules.Count == 0)
        {
            output.Append("  (no module has reported itself: none is hosted by 'mplane repo run')\n\n");
            return;
        }

        var table = new TextTable(Width, new("module", 16), new("instance", 24), new("state", 10), new("restarts", 8, Right: true), new("heartbeat", 10, Right: true), new("last error", 0)).Header();
        foreach (var m in snapshot.Modules)
        {
            var state = m.Lost ? "lost" : m.State.ToString().ToLowerInvariant();
            table.Row(m.Module, m.Instance, state, Number(m.Restarts), Age(snapshot.Time - m.HeartbeatAt), m.LastError is { } e ? $"{Time(m.LastErrorAt)} {OneLine(e)}" : string.Empty);
        }

        table.WriteTo(output);
        output.Append('\n');
    }

    private static void Streams(RepositorySnapshot snapshot, StringBuilder output)
    {
        output.Append("STREAMS\n");
        if (snapshot.Streams.Count == 0)
        {
            output.Append("  (nothing imported yet)\n\n");
            return;
        }

        var table = new TextTable(
            Width, new("stream", 24), new("files", 6, Right: true), new("rows", 11, Right: true), new("rejected", 8, Right: true), new("size", 9, Right: true),
            new("rows/min", 9, Right: true), new("last import", 11, Right: true), new("lag", 0)).Header();
        foreach (var s in snapshot.Streams)
        {
            var status = s.Status;
            table.Row(
                status.Name, Number(status.Files), Number(status.Rows), Number(status.RejectedRows), Bytes(s.Bytes),
                s.RowsPerMinute.ToString("0.#", CultureInfo.InvariantCulture), Ago(s.SinceLastImportSeconds),
                s.LagSeconds is { } lag ? Age(TimeSpan.FromSeconds(lag)) : "-");
            var detail = $"  complete to {Time(status.CompleteBefore)}, last file ";
            table.Note(detail + TextTable.FitTail(status.LastFile ?? "-", Width - detail.Length));
        }

        table.WriteTo(output);
        output.Append('\n');
    }

    private static void Jobs(RepositorySnapshot snapshot, StringBuilder output)
    {
        var ready = snapshot.Jobs.Sum(j => j.Queue.WindowsReady ?? 0);
        var recompute = snapshot.Jobs.Sum(j => j.Status.PendingRecompute);
        var running = snapshot.Jobs.Where(j => j.Status.Running).Select(j => j.Status.Name).ToList();
        output.Append(TextTable.Fit(
            $"JOBS   queue: {Number(ready)} windows ready, {Number(recompute)} to recompute   running: {(running.Count == 0 ? "none" : string.Join(", ", running))}", Width)).Append('\n');
        if (snapshot.Jobs.Count == 0)
        {
            output.Append("  (no job registered: 'mplane jobs run' registers conf/jobs)\n\n");
            return;
        }

        var table = new TextTable(
            Width, new("job", 20), new("window", 6, Right: true), new("next window", 16), new("done", 6, Right: true), new("ready", 6, Right: true),
            new("recomp", 6, Right: true), new("runs", 6, Right: true), new("last took", 9, Right: true), new("state", 0)).Header();
        foreach (var j in snapshot.Jobs)
        {
            var status = j.Status;
            var state = status.Running ? "running" : status.Failures > 0 ? "failing" : (j.Queue.WindowsReady ?? 0) + status.PendingRecompute > 0 ? "waiting" : "idle";
            table.Row(
                status.Name, Spans.Format(TimeSpan.FromSeconds(status.WindowSeconds)), Time(status.NextWindow), Number(status.WindowsComputed),
                j.Queue.WindowsReady is { } r ? Number(r) : "-", Number(status.PendingRecompute), Number(j.Queue.Runs),
                status.LastDurationMs is { } ms ? Duration(ms) : "-", state);
            if (status.LastError is { } error)
            {
                var retry = status.RetryAfter is { } at ? $", retry at {at.UtcDateTime:HH:mm:ss}" : string.Empty;
                table.Note($"  {status.Failures} failures{retry}: {OneLine(error)}");
            }
        }

        table.WriteTo(output);
        output.Append('\n');
    }

    private static void Retention(RepositorySnapshot snapshot, StringBuilder output)
    {
        output.Append("RETENTION\n");
        if (snapshot.Tables.Count == 0)
        {
            output.Append("  (no continuous table)\n\n");
            return;
        }

        var table = new TextTable(
            Width, new("table", 24), new("kind", 4), new("parts", 5, Right: true), new("rows", 9, Right: true), new("size", 8, Right: true),
            new("oldest window", 16), new("dropped before", 16), new("keep", 0)).Header();
        foreach (var t in snapshot.Tables)
        {
            var rule = new List<string>();
            if (t.MaxAge is { } age)
            {
                rule.Add(Spans.Format(age));
            }

            if (t.MaxBytes is { } bytes)
            {
                rule.Add(Bytes(bytes));
            }

            var status = t.Table;
            table.Row(status.Name, status.Kind, Number(status.Partitions), Number(status.Rows), Bytes(status.Bytes), Time(status.First), Time(status.RetainedFrom),
                rule.Count == 0 ? "all" : string.Join(", ", rule));
        }

        table.WriteTo(output);
        output.Append('\n');
    }

    private static void Alarms(RepositorySnapshot snapshot, StringBuilder output)
    {
        var open = snapshot.Alarms.Open.Sum(a => a.Count);
        var by = string.Join(", ", snapshot.Alarms.Open.Select(a => $"{a.Detector}/{a.Feature} {Number(a.Count)}"));
        output.Append(TextTable.Fit($"ALARMS   {Number(open)} open{(open == 0 ? string.Empty : $": {by}")}", Width)).Append('\n');
        if (snapshot.Alarms.Recent.Count == 0)
        {
            output.Append('\n');
            return;
        }

        var table = new TextTable(
            Width, new("bin (UTC)", 16), new("feature", 14), new("detector", 14), new("score", 9, Right: true), new("threshold", 9, Right: true), new("top contributors", 0)).Header();
        foreach (var a in snapshot.Alarms.Recent)
        {
            table.Row(Time(a.BinStart), a.Feature, a.Detector, Score(a.Score), Score(a.Threshold), string.Join(", ", a.TopContributors));
        }

        table.WriteTo(output);
        output.Append('\n');
    }

    private static void Queries(RepositorySnapshot snapshot, StringBuilder output)
    {
        output.Append("STREAM QUERIES\n");
        if (snapshot.Queries.Count == 0)
        {
            output.Append("  (no continuous query)\n");
            return;
        }

        var table = new TextTable(Width, new("query", 20), new("state", 8), new("runs", 8, Right: true), new("last run", 16), new("inputs", 20), new("error", 0)).Header();
        foreach (var q in snapshot.Queries)
        {
            table.Row(q.Tag, q.Running ? "running" : "paused", Number(q.Runs), Time(q.LastRun), string.Join(",", q.Inputs), q.LastError is { } e ? OneLine(e) : string.Empty);
        }

        table.WriteTo(output);
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "-";

    private static string Score(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Ago(double? seconds) => seconds is { } s ? Age(TimeSpan.FromSeconds(s)) + " ago" : "-";

    /// <summary>An age in its largest sensible unit: a glance, not a measurement.</summary>
    private static string Age(TimeSpan age)
    {
        var seconds = System.Math.Max(0, age.TotalSeconds);
        return seconds switch
        {
            < 120 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0}s"),
            < 120 * 60 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0}m"),
            < 48 * 3600 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0}h"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 86400:0}d"),
        };
    }

    private static string Duration(double milliseconds) =>
        milliseconds < 1000
            ? string.Create(CultureInfo.InvariantCulture, $"{milliseconds:0}ms")
            : string.Create(CultureInfo.InvariantCulture, $"{milliseconds / 1000:0.0}s");

    private static string Bytes(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB", "PB"];
        var value = (double)bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        // Three significant digits at most: 1.5 MB, 12.3 GB, 432 KB.
        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value.ToString(value < 100 ? "0.#" : "0", CultureInfo.InvariantCulture)} {units[unit]}");
    }

    /// <summary>An error's first line: a screen row is no place for a stack of them.</summary>
    private static string OneLine(string text) => text.Split('\n', 2)[0].Trim();
}
