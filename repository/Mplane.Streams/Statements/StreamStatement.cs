namespace Mplane.Streams.Statements;

/// <summary>
/// A statement of the stream extension (TimeTrails): stream tables, continuous queries and inserts
/// into stream tables. Everything else in a script is plain SQL for PostgreSQL.
/// </summary>
public abstract record StreamStatement;
