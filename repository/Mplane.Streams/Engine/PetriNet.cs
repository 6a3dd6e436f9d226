using Microsoft.Extensions.Logging;
using Mplane.Warehouse.Sql;
using Npgsql;

namespace Mplane.Streams.Engine;

/// <summary>
/// The continuous query scheduler, a Petri net as in TimeTrails: in every cycle each running query
/// whose conditions all hold fires. Conditions: the CLOCK has passed; with a HEARTBEAT, that many
/// milliseconds since the last run; otherwise every input with a WINDOW holds at least that many
/// tuples (inputs without one, and queries with neither, fire every cycle). A run is one REPEATABLE
/// READ transaction: the function's rows are appended to <c>cquery.&lt;tag&gt;</c> (created at the first
/// run) or the procedure is called, then each input loses its STRIDE oldest tuples (by default every
/// tuple the run saw), and CYCLES counts down (at 0 the query is removed). An error rolls the run back,
/// pauses the query and logs the error. Registrations live in the catalogue, so a restarted scheduler
/// goes on where the previous one stopped; one scheduler runs at a time (an advisory lock).
/// </summary>
public sealed class PetriNet(NpgsqlDataSource dataSource, ILogger<PetriNet> logger, TimeProvider? time = null, string schema = "public")
{
    /// <summary>The advisory lock key held by the running scheduler ("mplane-p").</summary>
    public const long SchedulerLock = 0x6D706C616E652D70;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly string _schema = Identifier.Of(schema, "schema").Quoted;

    /// <summary>Runs cycles until cancelled: at every insert into a stream table at once, else every <paramref name="cycle"/>.</summary>
    public async Task RunAsync(TimeSpan cycle, CancellationToken cancellationToken)
    {
        await StreamCatalog.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        await using var listener = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var locking = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", listener))
        {
            locking.Parameters.Add(new NpgsqlParameter { Value = SchedulerLock });
            if (await locking.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                throw new InvalidOperationException("another continuous query scheduler runs on this database");
            }
        }

        await using (var listen = new NpgsqlCommand($"LISTEN {StreamCatalog.Channel}", listener))
        {
            await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await CyclesAsync(listener, cycle, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Released explicitly: the pooled connection would otherwise keep the lock and the LISTEN until reused.
            await using (var unlisten = new NpgsqlCommand("UNLISTEN *", listener))
            {
                await unlisten.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }

            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", listener);
            release.Parameters.Add(new NpgsqlParameter { Value = SchedulerLock });
            await release.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task CyclesAsync(NpgsqlConnection listener, TimeSpan cycle, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = _time.GetUtcNow();
            await CycleAsync(cancellationToken).ConfigureAwait(false);

            // Every cycle is paced, also when queries fired (one that fires every cycle must not spin):
            // the rest of the cycle is waited, or less when an insert notifies the listener.
            var left = cycle - (_time.GetUtcNow() - started);
            await listener.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One cycle: fires every query whose conditions hold; returns how many ran.</summary>
    public async Task<int> CycleAsync(CancellationToken cancellationToken)
    {
        await StreamCatalog.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        var (queries, tables) = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var fired = 0;
        foreach (var query in queries.Where(q => q.Running && Enabled(q, tables)))
        {
            if (await FireAsync(query, cancellationToken).ConfigureAwait(false))
            {
                fired++;
            }
        }

        return fired;
    }

    /// <summary>The transition's rule: every condition of the query holds now.</summary>
    private bool Enabled(ContinuousQuery query, IReadOnlyDictionary<string, StreamTableState> tables)
    {
        var now = _time.GetUtcNow();
        if (query.StartAt is { } start && now < start)
        {
            return false;
        }

        if (query.HeartbeatMs is { } heartbeat)
        {
            return query.LastRun is not { } last || now - last >= TimeSpan.FromMilliseconds(heartbeat);
        }

        return query.Inputs.All(input => tables.TryGetValue(input, out var table) && (table.Window is not { } window || table.Tuples >= window));
    }

    private async Task<bool> FireAsync(ContinuousQuery query, CancellationToken cancellationToken)
    {
        var tag = Identifier.Of(query.Tag, "tag");
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            var session = new Session(connection, transaction, cancellationToken);

            // The decision was taken on an earlier read: within this run's snapshot the query must still be
            // registered and running (not stopped or paused meanwhile) and its windows still full (another
            // query reading the same stream table may have consumed them in this cycle).
            if (!await session.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM mplane.continuous_queries WHERE tag = $1 AND state = 'running' FOR UPDATE)", query.Tag).ConfigureAwait(false))
            {
                return false;
            }

            if (query.HeartbeatMs is null)
            {
                foreach (var input in query.Inputs)
                {
                    var window = await session.ScalarAsync<int?>("SELECT window_size FROM mplane.stream_tables WHERE name = $1", input).ConfigureAwait(false);
                    if (window is { } w && await session.ScalarAsync<long>(
                        $"SELECT count(*) FROM (SELECT 1 FROM {_schema}.{Identifier.Of(input, "stream table").Quoted} LIMIT $1) t", w).ConfigureAwait(false) < w)
                    {
                        return false;
                    }
                }
            }

            // What the run sees, fixed by the transaction's snapshot: the stride removes exactly that.
            var seen = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var input in query.Inputs)
            {
                seen[input] = await session.ScalarAsync<long>(
                    $"SELECT coalesce(max({StreamCatalog.SequenceColumn}), 0) FROM {_schema}.{Identifier.Of(input, "stream table").Quoted}").ConfigureAwait(false);
            }

            var call = $"{Identifier.Of(query.Schema, "schema").Quoted}.{Identifier.Of(query.Routine, "routine").Quoted}({string.Join(", ", query.Arguments)})";
            if (query.IsFunction)
            {
                var output = $"{StreamCatalog.OutputSchema}.{tag.Quoted}";
                await session.ExecuteAsync($"CREATE TABLE IF NOT EXISTS {output} AS SELECT * FROM {call} WITH NO DATA").ConfigureAwait(false);
                await session.ExecuteAsync($"INSERT INTO {output} SELECT * FROM {call}").ConfigureAwait(false);
            }
            else
            {
                await session.ExecuteAsync($"CALL {call}").ConfigureAwait(false);
            }

            foreach (var input in query.Inputs)
            {
                await StrideAsync(session, input, seen[input]).ConfigureAwait(false);
            }

            if (query.CyclesLeft == 1)
            {
                // Its last cycle: the registration goes, as in the seed; unlike the seed the output stays
                // for the user to read (only STOP drops it).
                await session.ExecuteAsync("DELETE FROM mplane.continuous_queries WHERE tag = $1", query.Tag).ConfigureAwait(false);
                await StreamCommands.LogAsync(session, query.Tag, $"removed after its last cycle ({query.Runs + 1} runs)").ConfigureAwait(false);
            }
            else
            {
                await session.ExecuteAsync(
                    "UPDATE mplane.continuous_queries SET runs = runs + 1, last_run = $2, cycles_left = cycles_left - 1 WHERE tag = $1",
                    query.Tag, _time.GetUtcNow()).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidCastException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            var message = e is PostgresException pg ? pg.MessageText : e.Message;
            if (e is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected })
            {
                return false; // a concurrent change to the registration or the table: the next cycle tries again
            }

            // As in the seed: an error pauses the query; the error is in its status and log.
            logger.LogWarning("Continuous query {Tag} failed and is paused: {Error}", query.Tag, message);
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var session = new Session(connection, transaction, cancellationToken);
            await session.ExecuteAsync("UPDATE mplane.continuous_queries SET state = 'paused', last_error = $2 WHERE tag = $1", query.Tag, message).ConfigureAwait(false);
            await StreamCommands.LogAsync(session, query.Tag, $"paused by an error: {message}").ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>Removes what the input's STRIDE says: the oldest n tuples, none (0), or every tuple the run saw (unset).</summary>
    private async Task StrideAsync(Session session, string input, long seen)
    {
        var table = $"{_schema}.{Identifier.Of(input, "stream table").Quoted}";
        var stride = await session.ScalarAsync<int?>("SELECT stride FROM mplane.stream_tables WHERE name = $1", input).ConfigureAwait(false);
        var seq = StreamCatalog.SequenceColumn;
        switch (stride)
        {
            case null:
                await session.ExecuteAsync($"DELETE FROM {table} WHERE {seq} <= $1", seen).ConfigureAwait(false);
                break;
            case > 0:
                await session.ExecuteAsync($"DELETE FROM {table} WHERE {seq} IN (SELECT {seq} FROM {table} ORDER BY {seq} LIMIT $1)", stride.Value).ConfigureAwait(false);
                break;
        }
    }

    private async Task<(List<ContinuousQuery> Queries, Dictionary<string, StreamTableState> Tables)> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var session = new Session(connection, transaction, cancellationToken);
        var queries = await ContinuousQueries.ReadAsync(session).ConfigureAwait(false);
        var tables = new Dictionary<string, StreamTableState>(StringComparer.Ordinal);
        foreach (var (name, window, stride) in await session.ListAsync(
            "SELECT name, window_size, stride FROM mplane.stream_tables",
            r => (r.GetString(0), r.IsDBNull(1) ? (int?)null : r.GetInt32(1), r.IsDBNull(2) ? (int?)null : r.GetInt32(2))).ConfigureAwait(false))
        {
            var tuples = await session.ScalarAsync<long>($"SELECT count(*) FROM {_schema}.{Identifier.Of(name, "stream table").Quoted}").ConfigureAwait(false);
            tables[name] = new StreamTableState(name, window, stride, tuples);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (queries, tables);
    }
}
