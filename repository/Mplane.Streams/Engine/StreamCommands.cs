using System.Text.RegularExpressions;
using Mplane.Streams.Statements;
using Mplane.Warehouse.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Mplane.Streams.Engine;

/// <summary>
/// Carries out stream statements against the database: stream tables (UNLOGGED, with a hidden arrival
/// number and a trigger that wakes the scheduler), continuous query registrations and their controls,
/// and inserts. Every statement runs in one transaction; refusals are <see cref="StreamException"/>s
/// with the seed's reasons. Names reach SQL validated and quoted, values as parameters; a function's
/// arguments are the literals the parser accepted.
/// </summary>
public sealed partial class StreamCommands(NpgsqlDataSource dataSource, string schema = "public", TimeProvider? time = null)
{
    private readonly Identifier _schema = Identifier.Of(schema, "schema");
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Carries out <paramref name="statement"/>; returns what was done, for the user.</summary>
    /// <exception cref="StreamException">It is refused; the message says why.</exception>
    public async Task<string> ExecuteAsync(StreamStatement statement, CancellationToken cancellationToken)
    {
        await StreamCatalog.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var session = new Session(connection, transaction, cancellationToken);
        var done = statement switch
        {
            CreateStreamTable create => await CreateAsync(session, create).ConfigureAwait(false),
            AlterStreamTable alter => await AlterAsync(session, alter).ConfigureAwait(false),
            DropStreamTable drop => await DropAsync(session, drop).ConfigureAwait(false),
            StartContinuous start => await StartAsync(session, start).ConfigureAwait(false),
            ContinuousCommand command => await ControlAsync(session, command).ConfigureAwait(false),
            InsertInto insert => await InsertAsync(session, insert).ConfigureAwait(false),
            _ => throw new StreamException($"{statement.GetType().Name} is not carried out here"),
        };
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return done;
    }

    private async Task<string> CreateAsync(Session s, CreateStreamTable create)
    {
        var table = Qualified(create.Name);
        if (await s.ScalarAsync<bool>("SELECT to_regclass($1) IS NOT NULL", table).ConfigureAwait(false))
        {
            throw new StreamException($"a table {create.Name.Name} exists already");
        }

        Check(create.Window, create.Stride);
        await s.ExecuteAsync(
            $"CREATE UNLOGGED TABLE {table} ({create.Columns}, {StreamCatalog.SequenceColumn} bigint GENERATED ALWAYS AS IDENTITY)").ConfigureAwait(false);

        // Key constraints are ignored, as in the seed: a reaction to their violation would be ill-defined.
        foreach (var constraint in await s.ListAsync(
            "SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'f')", r => r.GetString(0), table).ConfigureAwait(false))
        {
            await s.ExecuteAsync($"ALTER TABLE {table} DROP CONSTRAINT {Identifier.Of(constraint, "constraint").Quoted}").ConfigureAwait(false);
        }

        await s.ExecuteAsync($"CREATE TRIGGER mplane_stream_notify AFTER INSERT ON {table} FOR EACH STATEMENT EXECUTE FUNCTION mplane.stream_notify()").ConfigureAwait(false);
        await s.ExecuteAsync("INSERT INTO mplane.stream_tables (name, window_size, stride) VALUES ($1, $2, $3)", create.Name.Name, create.Window, create.Stride).ConfigureAwait(false);
        return $"stream table {create.Name.Name} created{Describe(create.Window, create.Stride)}";
    }

    private static async Task<string> AlterAsync(Session s, AlterStreamTable alter)
    {
        var (window, stride) = await StreamTableAsync(s, alter.Name).ConfigureAwait(false);
        var (newWindow, newStride) = (alter.Window ?? window, alter.Stride ?? stride);
        Check(newWindow, newStride);
        if (alter.Window is not null && await s.ListAsync(
            "SELECT tag FROM mplane.continuous_queries WHERE $1 = ANY(inputs) AND heartbeat_ms IS NOT NULL ORDER BY tag", r => r.GetString(0), alter.Name.Name).ConfigureAwait(false) is { Count: > 0 } beating)
        {
            throw new StreamException($"HEARTBEAT of {string.Join(", ", beating)} and a WINDOW on {alter.Name.Name} cannot both trigger the query: only one of the temporal and the tuple condition may be set");
        }

        await s.ExecuteAsync("UPDATE mplane.stream_tables SET window_size = $2, stride = $3 WHERE name = $1", alter.Name.Name, newWindow, newStride).ConfigureAwait(false);
        return $"stream table {alter.Name.Name} altered{Describe(newWindow, newStride)}";
    }

    private async Task<string> DropAsync(Session s, DropStreamTable drop)
    {
        await StreamTableAsync(s, drop.Name).ConfigureAwait(false);
        var users = await s.ListAsync("SELECT tag FROM mplane.continuous_queries WHERE $1 = ANY(inputs) ORDER BY tag", r => r.GetString(0), drop.Name.Name).ConfigureAwait(false);
        if (users.Count > 0)
        {
            throw new StreamException($"stream table {drop.Name.Name} is used by the continuous {(users.Count == 1 ? "query" : "queries")} {string.Join(", ", users)}: stop {(users.Count == 1 ? "it" : "them")} first");
        }

        var feeders = await s.ListAsync(
            "SELECT stream FROM mplane.import_tees WHERE target_schema = $1 AND target_table = $2 ORDER BY stream", r => r.GetString(0), _schema.Name, drop.Name.Name).ConfigureAwait(false);
        if (feeders.Count > 0)
        {
            throw new StreamException($"stream table {drop.Name.Name} is fed by the import of {string.Join(", ", feeders)}: remove the tee first (mplane streams untee)");
        }

        await s.ExecuteAsync($"DROP TABLE {Qualified(drop.Name)}").ConfigureAwait(false);
        await s.ExecuteAsync("DELETE FROM mplane.stream_tables WHERE name = $1", drop.Name.Name).ConfigureAwait(false);
        return $"stream table {drop.Name.Name} dropped";
    }

    private async Task<string> StartAsync(Session s, StartContinuous start)
    {
        if (await s.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM mplane.continuous_queries WHERE tag = $1)", start.Tag.Name).ConfigureAwait(false))
        {
            throw new StreamException($"a continuous query is registered as {start.Tag.Name} already: give another tag with AS");
        }

        var kind = start.Kind == RoutineKind.Function ? "f" : "p";
        // Routines of extensions are not continuous queries (and would open the database to whoever may start one).
        var found = await s.ListAsync(
            """
            SELECT n.nspname, p.prosrc, p.oid::bigint, p.prosqlbody IS NOT NULL FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE p.proname = $1 AND p.prokind = $2::"char" AND ($3::text IS NULL OR n.nspname = $3) AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
            """,
            r => (Schema: r.GetString(0), Source: r.GetString(1), Oid: r.GetInt64(2), StandardBody: r.GetBoolean(3)),
            start.Routine.Name.Name, kind, start.Routine.Schema?.Name).ConfigureAwait(false);
        var what = start.Kind == RoutineKind.Function ? "function" : "procedure";
        var routine = found.Count switch
        {
            0 => throw new StreamException($"no {what} {start.Routine.Name.Name}{(start.Routine.Schema is { } sc ? $" in schema {sc.Name}" : string.Empty)}"),
            1 => found[0],
            _ => throw new StreamException($"{found.Count} {what}s are named {start.Routine.Name.Name}: name one with its schema"),
        };

        // The stream tables the routine reads (what TimeTrails scans for): for an SQL-standard body (RETURN ...,
        // BEGIN ATOMIC ..., the seed's form) PostgreSQL records them as dependencies; a string body ($$ ... $$)
        // is searched for their names.
        var streams = await s.ListAsync("SELECT name, window_size FROM mplane.stream_tables ORDER BY name", StreamTableRow).ConfigureAwait(false);
        var inputs = routine.StandardBody
            ? await s.ListAsync(
                $"""
                SELECT t.name, t.window_size FROM mplane.stream_tables t
                WHERE EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = $1::oid AND d.refclassid = 'pg_class'::regclass
                              AND d.refobjid = to_regclass({Quote(_schema.Name)} || '.' || quote_ident(t.name)))
                ORDER BY t.name
                """,
                StreamTableRow, routine.Oid).ConfigureAwait(false)
            : streams.Where(t => Regex.IsMatch(routine.Source, $@"\b{Regex.Escape(t.Name)}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)).ToList();
        CheckTrigger(start.Options.HeartbeatMs, inputs);
        var startAt = start.Options.Clock?.Resolve(_time.GetUtcNow());
        await s.ExecuteAsync(
            """
            INSERT INTO mplane.continuous_queries (tag, kind, routine_schema, routine, arguments, inputs, heartbeat_ms, start_at, cycles_left, state)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'running')
            """,
            start.Tag.Name, start.Kind == RoutineKind.Function ? "function" : "procedure", routine.Schema, start.Routine.Name.Name,
            start.Arguments.ToArray(), inputs.Select(i => i.Name).ToArray(), start.Options.HeartbeatMs, startAt, start.Options.Cycles).ConfigureAwait(false);
        await LogAsync(s, start.Tag.Name, $"started: {what} {routine.Schema}.{start.Routine.Name.Name}({string.Join(", ", start.Arguments)}) reading {(inputs.Count == 0 ? "no stream table" : string.Join(", ", inputs.Select(i => i.Name)))}").ConfigureAwait(false);
        return $"continuous {what} {start.Routine.Name.Name} started as {start.Tag.Name}";
    }

    private async Task<string> ControlAsync(Session s, ContinuousCommand command)
    {
        var tags = command.Tag is { } tag
            ? [tag.Name]
            : await s.ListAsync("SELECT tag FROM mplane.continuous_queries ORDER BY tag", r => r.GetString(0)).ConfigureAwait(false);
        foreach (var name in tags)
        {
            if (!await s.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM mplane.continuous_queries WHERE tag = $1)", name).ConfigureAwait(false))
            {
                throw new StreamException($"no continuous query {name}");
            }

            switch (command.Action)
            {
                case ContinuousAction.Stop:
                    await StopAsync(s, name).ConfigureAwait(false);
                    break;
                case ContinuousAction.Pause:
                    await s.ExecuteAsync("UPDATE mplane.continuous_queries SET state = 'paused' WHERE tag = $1", name).ConfigureAwait(false);
                    await LogAsync(s, name, "paused").ConfigureAwait(false);
                    break;
                default:
                    await ResumeAsync(s, name, command.Options).ConfigureAwait(false);
                    break;
            }
        }

        var verb = command.Action switch { ContinuousAction.Stop => "stopped", ContinuousAction.Pause => "paused", _ => "resumed" };
        return tags.Count == 0 ? "no continuous query" : $"{string.Join(", ", tags)} {verb}";
    }

    /// <summary>Removes a registration and its output table (the seed drops the output once deregistered).</summary>
    internal static async Task StopAsync(Session s, string tag)
    {
        await s.ExecuteAsync("DELETE FROM mplane.continuous_queries WHERE tag = $1", tag).ConfigureAwait(false);
        await s.ExecuteAsync($"DROP TABLE IF EXISTS {StreamCatalog.OutputSchema}.{Identifier.Of(tag, "tag").Quoted}").ConfigureAwait(false);
        await LogAsync(s, tag, "stopped").ConfigureAwait(false);
    }

    private async Task ResumeAsync(Session s, string tag, ContinuousOptions? options)
    {
        if (options is not null)
        {
            // New values replace the registered ones; without WITH the previous values stay (the seed's rule).
            var inputs = await s.ListAsync(
                "SELECT t.name, t.window_size FROM mplane.stream_tables t JOIN mplane.continuous_queries q ON t.name = ANY(q.inputs) WHERE q.tag = $1", StreamTableRow, tag).ConfigureAwait(false);
            CheckTrigger(options.HeartbeatMs, inputs);
            await s.ExecuteAsync(
                """
                UPDATE mplane.continuous_queries SET heartbeat_ms = coalesce($2, heartbeat_ms), start_at = coalesce($3, start_at), cycles_left = coalesce($4, cycles_left)
                WHERE tag = $1
                """,
                tag, options.HeartbeatMs, options.Clock?.Resolve(_time.GetUtcNow()), options.Cycles).ConfigureAwait(false);
        }

        await s.ExecuteAsync("UPDATE mplane.continuous_queries SET state = 'running' WHERE tag = $1", tag).ConfigureAwait(false);
        await LogAsync(s, tag, "resumed").ConfigureAwait(false);
    }

    private async Task<string> InsertAsync(Session s, InsertInto insert)
    {
        await StreamTableAsync(s, insert.Table).ConfigureAwait(false);
        var rows = await s.ExecuteAsync($"INSERT INTO {Qualified(insert.Table)} VALUES {insert.Values}").ConfigureAwait(false);
        return $"{rows} {(rows == 1 ? "row" : "rows")} inserted into {insert.Table.Name}";
    }

    internal static Task LogAsync(Session s, string tag, string message) =>
        s.ExecuteAsync("INSERT INTO mplane.cquery_log (tag, message) VALUES ($1, $2)", tag, message);

    private static async Task<(int? Window, int? Stride)> StreamTableAsync(Session s, Identifier name)
    {
        var found = await s.ListAsync(
            "SELECT window_size, stride FROM mplane.stream_tables WHERE name = $1",
            r => (Window: r.IsDBNull(0) ? (int?)null : r.GetInt32(0), Stride: r.IsDBNull(1) ? (int?)null : r.GetInt32(1)),
            name.Name).ConfigureAwait(false);
        return found.Count == 1 ? found[0] : throw new StreamException($"no stream table {name.Name}");
    }

    private static (string Name, int? Window) StreamTableRow(NpgsqlDataReader r) => (r.GetString(0), r.IsDBNull(1) ? null : r.GetInt32(1));

    private static void Check(int? window, int? stride)
    {
        if (window is { } w && stride is { } st && st > w)
        {
            throw new StreamException($"the stride ({st}) cannot be larger than the window ({w}): tuples would be received but never processed");
        }
    }

    private static void CheckTrigger(int? heartbeat, IReadOnlyList<(string Name, int? Window)> inputs)
    {
        if (heartbeat is not null && inputs.FirstOrDefault(i => i.Window is not null) is { Name: { } windowed })
        {
            throw new StreamException($"HEARTBEAT and the WINDOW of {windowed} cannot both trigger the query: only one of the temporal and the tuple condition may be set");
        }
    }

    private static string Describe(int? window, int? stride) =>
        (window, stride) switch
        {
            (null, null) => string.Empty,
            _ => $" (window {window?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, stride {stride?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "all seen"})",
        };

    private string Qualified(Identifier name) => $"{_schema.Quoted}.{name.Quoted}";

    /// <summary>A validated identifier as a SQL string literal (it holds only [a-z0-9_]).</summary>
    private static string Quote(string identifier) => $"quote_ident('{Identifier.Of(identifier).Name}')";
}
