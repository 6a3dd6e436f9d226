using Npgsql;

namespace Mplane.Host.Remote;

/// <summary>One job's place in the scheduler's queue and its run history.</summary>
/// <param name="WindowsReady">Windows whose inputs are complete and that wait to be computed (recomputations not included); null when the job has no window to start from yet.</param>
/// <param name="Runs">Window runs recorded, successful or not.</param>
/// <param name="FailedRuns">Of those, the ones that failed.</param>
/// <param name="RunSeconds">The time spent in all runs.</param>
/// <param name="LastRunAt">When the last run started.</param>
public sealed record JobQueueEntry(long? WindowsReady, long Runs, long FailedRuns, double RunSeconds, DateTimeOffset? LastRunAt);

/// <summary>
/// The scheduler's queue as the catalogue shows it, for any scheduler in any process: per job, how
/// many windows could run now, and what its runs took.
/// </summary>
/// <remarks>
/// A window is ready when every input is complete through the end of its slice (the scheduler's
/// rule): with the job's next window <c>n</c>, window length <c>w</c> and for each input the time
/// <c>c</c> before which it is complete and its delay <c>d</c>, the windows <c>n + k·w</c> with
/// <c>n + (k+1)·w ≤ c + d</c> for every input. A job that never ran starts at the window of its
/// first input's oldest data, as the scheduler does unless the job names a start (which only the
/// job file knows): the count is then an estimate.
/// </remarks>
internal static class JobQueue
{
    private const string Sql = """
        WITH input_complete AS (
            SELECT i.job,
                   bool_and(c.complete_before IS NOT NULL) AS all_known,
                   min(c.complete_before + make_interval(secs => i.delay_seconds)) AS reachable
            FROM mplane.job_inputs i
            CROSS JOIN LATERAL (SELECT coalesce(
                (SELECT s.complete_before FROM mplane.stream_progress s WHERE s.schema_name = i.input_schema AND s.stream = i.input_table),
                (SELECT least(u.next_window, (SELECT min(r.window_start) FROM mplane.recompute r WHERE r.job = u.name))
                 FROM mplane.jobs u WHERE u.output_schema = i.input_schema AND u.output_table = i.input_table)) AS complete_before) c
            GROUP BY i.job),
        job_start AS (
            SELECT j.name, j.window_seconds, coalesce(j.next_window,
                   (SELECT to_timestamp(floor(extract(epoch FROM min(p.window_start)) / j.window_seconds) * j.window_seconds)
                    FROM mplane.job_inputs f JOIN mplane.partitions p ON p.schema_name = f.input_schema AND p.table_name = f.input_table
                    WHERE f.job = j.name AND f.position = 0)) AS start
            FROM mplane.jobs j),
        runs AS (
            SELECT job, count(*) AS runs, count(*) FILTER (WHERE error IS NOT NULL) AS failed,
                   coalesce(sum(duration_ms), 0) / 1000.0 AS seconds, max(started_at) AS last_run
            FROM mplane.job_runs GROUP BY job)
        SELECT s.name,
               CASE WHEN s.start IS NULL THEN NULL
                    WHEN NOT coalesce(c.all_known, false) THEN 0
                    ELSE greatest(0, floor(extract(epoch FROM c.reachable - s.start) / s.window_seconds))::bigint END,
               coalesce(r.runs, 0), coalesce(r.failed, 0), coalesce(r.seconds, 0)::double precision, r.last_run
        FROM job_start s LEFT JOIN input_complete c ON c.job = s.name LEFT JOIN runs r ON r.job = s.name
        """;

    /// <summary>The entries per job name.</summary>
    public static async Task<Dictionary<string, JobQueueEntry>> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new Dictionary<string, JobQueueEntry>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries[reader.GetString(0)] = new JobQueueEntry(
                reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetDouble(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5));
        }

        return entries;
    }
}
