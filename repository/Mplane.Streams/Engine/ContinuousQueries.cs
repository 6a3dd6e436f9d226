namespace Mplane.Streams.Engine;

/// <summary>Reads the registrations (the <c>cquery</c> status) and the log.</summary>
internal static class ContinuousQueries
{
    public static Task<List<ContinuousQuery>> ReadAsync(Session session) =>
        session.ListAsync(
            """
            SELECT tag, kind, routine_schema, routine, arguments, inputs, heartbeat_ms, start_at, cycles_left, state, runs, last_run, last_error
            FROM mplane.continuous_queries ORDER BY tag
            """,
            r => new ContinuousQuery(
                r.GetString(0), r.GetString(1) == "function", r.GetString(2), r.GetString(3), r.GetFieldValue<string[]>(4), r.GetFieldValue<string[]>(5),
                r.IsDBNull(6) ? null : r.GetInt32(6), r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetInt32(8),
                r.GetString(9) == "running", r.GetInt64(10), r.IsDBNull(11) ? null : r.GetFieldValue<DateTimeOffset>(11), r.IsDBNull(12) ? null : r.GetString(12)));
}
