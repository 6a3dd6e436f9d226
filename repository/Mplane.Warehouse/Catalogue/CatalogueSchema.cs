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
        """;

    /// <summary>Creates whatever part of the catalogue is missing.</summary>
    public static async Task EnsureAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = MigrationLock });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var ddl = new NpgsqlCommand(Ddl, connection, transaction))
        {
            await ddl.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
