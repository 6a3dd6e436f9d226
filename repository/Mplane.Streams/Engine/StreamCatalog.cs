using Npgsql;

namespace Mplane.Streams.Engine;

/// <summary>
/// The catalogue of stream tables and continuous queries, in the schema <c>mplane</c>, and the schema
/// <c>cquery</c> that holds the functions' outputs. Registrations live here, so they survive a
/// restart (TimeTrails forgets them); stream tables themselves are UNLOGGED, volatile as in TimeTrails.
/// Created idempotently under the warehouse catalogue's advisory lock.
/// </summary>
public static class StreamCatalog
{
    /// <summary>The schema of the functions' output tables.</summary>
    public const string OutputSchema = "cquery";

    /// <summary>The notification channel stream tables signal inserts on.</summary>
    public const string Channel = "mplane_streams";

    /// <summary>The hidden column numbering a stream table's tuples in arrival order (what STRIDE removes first).</summary>
    public const string SequenceColumn = "mplane_seq";

    private const string Ddl = """
        CREATE SCHEMA IF NOT EXISTS mplane;
        CREATE SCHEMA IF NOT EXISTS cquery;

        CREATE TABLE IF NOT EXISTS mplane.stream_tables (
            name        text        PRIMARY KEY,
            window_size integer     CHECK (window_size > 0),
            stride      integer     CHECK (stride >= 0),
            created_at  timestamptz NOT NULL DEFAULT now());

        CREATE TABLE IF NOT EXISTS mplane.continuous_queries (
            tag            text        PRIMARY KEY,
            kind           text        NOT NULL CHECK (kind IN ('procedure', 'function')),
            routine_schema text        NOT NULL,
            routine        text        NOT NULL,
            arguments      text[]      NOT NULL,
            inputs         text[]      NOT NULL,
            heartbeat_ms   integer     CHECK (heartbeat_ms > 0),
            start_at       timestamptz,
            cycles_left    integer     CHECK (cycles_left > 0),
            state          text        NOT NULL CHECK (state IN ('running', 'paused')),
            runs           bigint      NOT NULL DEFAULT 0,
            last_run       timestamptz,
            last_error     text,
            created_at     timestamptz NOT NULL DEFAULT now());

        CREATE TABLE IF NOT EXISTS mplane.cquery_log (
            id      bigserial   PRIMARY KEY,
            tag     text        NOT NULL,
            at      timestamptz NOT NULL DEFAULT now(),
            message text        NOT NULL);

        -- Every insert into a stream table wakes the scheduler at once instead of at its next cycle.
        CREATE OR REPLACE FUNCTION mplane.stream_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('mplane_streams', TG_TABLE_NAME);
            RETURN NULL;
        END $$;
        """;

    /// <summary>The stream catalogue's version: raise it whenever <see cref="Ddl"/> changes.</summary>
    public const int Version = 1;

    /// <summary>Creates whatever part of the catalogue is missing; a database already at <see cref="Version"/> costs two reads and no lock.</summary>
    public static async Task EnsureAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await Mplane.Warehouse.Catalogue.CatalogueSchema.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        await Mplane.Warehouse.Catalogue.CatalogueSchema.EnsureVersionAsync(dataSource, "streams", Version, Ddl, cancellationToken).ConfigureAwait(false);
    }
}
