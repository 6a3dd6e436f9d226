using Npgsql;

namespace Mplane.Warehouse.Catalogue;

/// <summary>
/// The warehouse's catalogue in the schema <c>mplane</c>: continuous tables, their partitions,
/// the import ledger, stream progress, jobs and job runs. Created idempotently, under an advisory
/// lock so that processes starting together do not race.
/// </summary>
public static class CatalogueSchema
{
    /// <summary>The advisory lock key that serialises catalogue creation (an arbitrary constant: "mplane-c").</summary>
    public const long MigrationLock = 0x6D706C616E652D63;

    private const string Ddl = """
        CREATE SCHEMA IF NOT EXISTS mplane;

        CREATE TABLE IF NOT EXISTS mplane.tables (
            schema_name    text        NOT NULL,
            table_name     text        NOT NULL,
            kind           text        NOT NULL CHECK (kind IN ('base', 'view')),
            window_seconds integer     NOT NULL CHECK (window_seconds > 0),
            log_format     text,
            created_at     timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (schema_name, table_name));
        ALTER TABLE mplane.tables ADD COLUMN IF NOT EXISTS index_columns text[] NOT NULL DEFAULT '{}';
        -- Retention's horizon: windows before it were dropped and are never created again.
        ALTER TABLE mplane.tables ADD COLUMN IF NOT EXISTS retained_from timestamptz;

        CREATE TABLE IF NOT EXISTS mplane.partitions (
            schema_name    text        NOT NULL,
            table_name     text        NOT NULL,
            window_start   timestamptz NOT NULL,
            window_end     timestamptz NOT NULL,
            partition_name text        NOT NULL,
            row_count      bigint      NOT NULL DEFAULT 0,
            indexed        boolean     NOT NULL DEFAULT false,
            updated_at     timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (schema_name, table_name, window_start),
            FOREIGN KEY (schema_name, table_name) REFERENCES mplane.tables ON DELETE CASCADE);

        CREATE TABLE IF NOT EXISTS mplane.imports (
            schema_name    text        NOT NULL,
            stream         text        NOT NULL,
            path           text        NOT NULL,
            size_bytes     bigint      NOT NULL,
            sha256         text        NOT NULL,
            window_start   timestamptz,
            row_count      bigint      NOT NULL,
            rejected_rows  bigint      NOT NULL,
            imported_at    timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (schema_name, stream, path));
        CREATE INDEX IF NOT EXISTS imports_content ON mplane.imports (schema_name, stream, sha256);

        CREATE TABLE IF NOT EXISTS mplane.stream_progress (
            schema_name     text        NOT NULL,
            stream          text        NOT NULL,
            complete_before timestamptz,
            newest_window   timestamptz,
            PRIMARY KEY (schema_name, stream));

        CREATE TABLE IF NOT EXISTS mplane.jobs (
            name            text        PRIMARY KEY,
            description     text        NOT NULL DEFAULT '',
            output_schema   text        NOT NULL,
            output_table    text        NOT NULL,
            window_seconds  integer     NOT NULL CHECK (window_seconds > 0),
            priority        integer     NOT NULL DEFAULT 0,
            definition_hash text        NOT NULL,
            next_window     timestamptz,
            failures        integer     NOT NULL DEFAULT 0,
            retry_after     timestamptz,
            last_error      text,
            updated_at      timestamptz NOT NULL DEFAULT now(),
            UNIQUE (output_schema, output_table));

        CREATE TABLE IF NOT EXISTS mplane.job_inputs (
            job           text    NOT NULL REFERENCES mplane.jobs ON DELETE CASCADE,
            position      integer NOT NULL,
            input_schema  text    NOT NULL,
            input_table   text    NOT NULL,
            slice_seconds integer NOT NULL CHECK (slice_seconds > 0),
            delay_seconds integer NOT NULL CHECK (delay_seconds >= 0),
            PRIMARY KEY (job, position));

        CREATE TABLE IF NOT EXISTS mplane.job_runs (
            id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            job          text        NOT NULL,
            window_start timestamptz NOT NULL,
            window_end   timestamptz NOT NULL,
            recompute    boolean     NOT NULL DEFAULT false,
            started_at   timestamptz NOT NULL,
            duration_ms  double precision NOT NULL,
            row_count    bigint,
            error        text);
        CREATE INDEX IF NOT EXISTS job_runs_job_window ON mplane.job_runs (job, window_start);

        CREATE TABLE IF NOT EXISTS mplane.recompute (
            job          text        NOT NULL REFERENCES mplane.jobs ON DELETE CASCADE,
            window_start timestamptz NOT NULL,
            reason       text        NOT NULL,
            marked_at    timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (job, window_start));

        -- Analysis: one record per (bin, feature, detector) evaluated, alarm or not; a recomputation
        -- replaces the record but keeps an operator's acknowledgement.
        CREATE TABLE IF NOT EXISTS mplane.alarms (
            bin_start        timestamptz      NOT NULL,
            bin_seconds      integer          NOT NULL CHECK (bin_seconds > 0),
            feature          text             NOT NULL,
            detector         text             NOT NULL,
            score            double precision NOT NULL,
            threshold        double precision NOT NULL,
            is_alarm         boolean          NOT NULL,
            status           text             NOT NULL,
            entities         bigint           NOT NULL,
            reference_from   timestamptz,
            reference_to     timestamptz,
            reference_bins   integer          NOT NULL,
            top_contributors jsonb            NOT NULL,
            params           jsonb            NOT NULL,
            detector_state   jsonb,
            alarm_state      text             NOT NULL DEFAULT 'open' CHECK (alarm_state IN ('open', 'acknowledged')),
            computed_at      timestamptz      NOT NULL DEFAULT now(),
            PRIMARY KEY (bin_start, bin_seconds, feature, detector));
        CREATE INDEX IF NOT EXISTS alarms_raised ON mplane.alarms (bin_start) WHERE is_alarm;

        -- Tees: a stream's imported rows are also inserted into these tables (stream tables), in the import's transaction.
        CREATE TABLE IF NOT EXISTS mplane.import_tees (
            schema_name   text        NOT NULL,
            stream        text        NOT NULL,
            target_schema text        NOT NULL,
            target_table  text        NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (schema_name, stream, target_schema, target_table));
        """;

    /// <summary>The catalogue's version: raise it whenever <see cref="Ddl"/> changes, so that databases get the change.</summary>
    public const int Version = 2;

    /// <summary>The part name of the warehouse catalogue in <c>mplane.catalogue_versions</c>.</summary>
    private const string Part = "warehouse";

    /// <summary>
    /// Creates whatever part of the catalogue is missing. A database already at <see cref="Version"/>
    /// costs one read and no lock: the DDL (whose ALTER TABLE ... IF NOT EXISTS takes an exclusive lock
    /// even when it does nothing) runs only when the version differs.
    /// </summary>
    public static Task EnsureAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        EnsureVersionAsync(dataSource, Part, Version, Ddl, cancellationToken);

    /// <summary>Runs <paramref name="ddl"/> unless the database records <paramref name="part"/> at <paramref name="version"/>; serialised by an advisory lock.</summary>
    public static async Task EnsureVersionAsync(NpgsqlDataSource dataSource, string part, int version, string ddl, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (await RecordedVersionAsync(connection, part, null, cancellationToken).ConfigureAwait(false) == version)
        {
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = MigrationLock });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Another process may have done it while this one waited for the lock.
        if (await RecordedVersionAsync(connection, part, transaction, cancellationToken).ConfigureAwait(false) != version)
        {
            await using (var command = new NpgsqlCommand(
                "CREATE SCHEMA IF NOT EXISTS mplane; CREATE TABLE IF NOT EXISTS mplane.catalogue_versions (part text PRIMARY KEY, version integer NOT NULL);\n" + ddl,
                connection,
                transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var record = new NpgsqlCommand(
                "INSERT INTO mplane.catalogue_versions (part, version) VALUES ($1, $2) ON CONFLICT (part) DO UPDATE SET version = EXCLUDED.version", connection, transaction);
            record.Parameters.Add(new NpgsqlParameter { Value = part });
            record.Parameters.Add(new NpgsqlParameter { Value = version });
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int?> RecordedVersionAsync(NpgsqlConnection connection, string part, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        // Two statements: a query naming a table that does not exist fails when parsed, whatever branch runs.
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('mplane.catalogue_versions') IS NOT NULL", connection, transaction))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                return null;
            }
        }

        await using var command = new NpgsqlCommand("SELECT version FROM mplane.catalogue_versions WHERE part = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = part });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int version ? version : null;
    }
}
