using Mplane.Warehouse.Catalogue;
using Npgsql;

namespace Mplane.Host.Modules;

/// <summary>What a module is doing.</summary>
public enum ModuleState
{
    /// <summary>Being started.</summary>
    Starting,

    /// <summary>Doing its work.</summary>
    Running,

    /// <summary>It failed and waits out its penalty before it is started again.</summary>
    Restarting,

    /// <summary>Stopped with its host.</summary>
    Stopped,
}

/// <summary>One module instance as it last reported itself.</summary>
/// <param name="Module">The module's name (<c>scheduler</c>, <c>math_repo</c>, ...).</param>
/// <param name="Instance">Where it runs: host name and process id.</param>
/// <param name="State">What it reported.</param>
/// <param name="StartedAt">When its host started it first.</param>
/// <param name="HeartbeatAt">Its last report.</param>
/// <param name="Restarts">How often it failed and was started again.</param>
/// <param name="LastError">Its last failure, if any.</param>
/// <param name="LastErrorAt">When that was.</param>
/// <param name="Lost">Whether it stopped reporting without saying so (its process died or lost the database).</param>
public sealed record ModuleStatus(
    string Module, string Instance, ModuleState State, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt,
    int Restarts, string? LastError, DateTimeOffset? LastErrorAt, bool Lost);

/// <summary>
/// The modules' states in the database (<c>mplane.modules</c>), where every process of the
/// repository reports its own: a module may run in its own process on another machine, and the
/// remote status, the dashboard and the metrics read them all from here.
/// </summary>
public sealed class ModuleStates(NpgsqlDataSource dataSource)
{
    private volatile bool _ensured;

    /// <summary>How often a running module reports itself.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

    /// <summary>A module silent for this long (three missed heartbeats) is lost.</summary>
    public static readonly TimeSpan LostAfter = HeartbeatInterval * 3;

    private const string Ddl = """
        CREATE TABLE IF NOT EXISTS mplane.modules (
            module        text        NOT NULL,
            instance      text        NOT NULL,
            state         text        NOT NULL CHECK (state IN ('starting', 'running', 'restarting', 'stopped')),
            started_at    timestamptz NOT NULL DEFAULT now(),
            heartbeat_at  timestamptz NOT NULL DEFAULT now(),
            restarts      integer     NOT NULL DEFAULT 0,
            last_error    text,
            last_error_at timestamptz,
            PRIMARY KEY (module, instance));
        """;

    /// <summary>Creates the table when it is missing.</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_ensured)
        {
            return;
        }

        await CatalogueSchema.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        await CatalogueSchema.EnsureVersionAsync(dataSource, "modules", 1, Ddl, cancellationToken).ConfigureAwait(false);
        _ensured = true;
    }

    /// <summary>
    /// Records what <paramref name="module"/> in <paramref name="instance"/> is doing, with its restarts
    /// so far (the supervisor's count: a report that could not be written, the database being down, loses nothing).
    /// </summary>
    public async Task ReportAsync(string module, string instance, ModuleState state, string? error, int restarts, CancellationToken cancellationToken)
    {
        await EnsureAsync(cancellationToken).ConfigureAwait(false);
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO mplane.modules AS m (module, instance, state, last_error, last_error_at, restarts)
            VALUES ($1, $2, $3, $4, CASE WHEN $4 IS NULL THEN NULL ELSE now() END, $5)
            ON CONFLICT (module, instance) DO UPDATE SET
                state = EXCLUDED.state, heartbeat_at = now(), restarts = EXCLUDED.restarts,
                last_error = coalesce($4, m.last_error),
                last_error_at = CASE WHEN $4 IS NULL THEN m.last_error_at ELSE now() END
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = module });
        command.Parameters.Add(new NpgsqlParameter { Value = instance });
        command.Parameters.Add(new NpgsqlParameter { Value = Name(state) });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = restarts });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Marks earlier instances of <paramref name="module"/> on the same host as stopped when a new one
    /// starts there: they belong to a process that ended (killed, crashed), and would otherwise show as lost for ever.
    /// </summary>
    public async Task SupersedeAsync(string module, string instance, CancellationToken cancellationToken)
    {
        await EnsureAsync(cancellationToken).ConfigureAwait(false);
        await using var command = dataSource.CreateCommand(
            """
            UPDATE mplane.modules SET state = 'stopped'
            WHERE module = $1 AND instance <> $2 AND split_part(instance, ':', 1) = split_part($2, ':', 1) AND state <> 'stopped'
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = module });
        command.Parameters.Add(new NpgsqlParameter { Value = instance });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every module instance that reported in the last day, by module (older ones, stopped or lost, are history).</summary>
    public async Task<IReadOnlyList<ModuleStatus>> ReadAsync(CancellationToken cancellationToken)
    {
        await EnsureAsync(cancellationToken).ConfigureAwait(false);
        await using var command = dataSource.CreateCommand(
            """
            SELECT module, instance, state, started_at, heartbeat_at, restarts, last_error, last_error_at,
                   state <> 'stopped' AND heartbeat_at < now() - $1::interval
            FROM mplane.modules WHERE heartbeat_at > now() - interval '1 day'
            ORDER BY module, instance
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = LostAfter });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<ModuleStatus>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new ModuleStatus(
                reader.GetString(0), reader.GetString(1), Enum.Parse<ModuleState>(reader.GetString(2), ignoreCase: true),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), reader.GetBoolean(8)));
        }

        return list;
    }

    private static string Name(ModuleState state) => state.ToString().ToLowerInvariant();
}
