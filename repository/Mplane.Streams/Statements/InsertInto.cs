using Mplane.Warehouse.Sql;

namespace Mplane.Streams.Statements;

/// <summary><c>INSERT INTO name VALUES ( ... ) {, ( ... )}</c> with literal values only.</summary>
/// <param name="Table">The table (a stream table for the engine to count and trigger on).</param>
/// <param name="Values">
/// The text after <c>VALUES</c>, from its first token to its last: parenthesised rows of the same
/// length whose values are numbers, <c>'strings'</c>, <c>true</c>, <c>false</c>, <c>null</c> or
/// typed literals <c>timestamp '…'</c>, <c>date '…'</c>, <c>time '…'</c>; no <c>;</c> anywhere, no
/// expression, so it can follow <c>VALUES</c> in a statement sent to PostgreSQL.
/// </param>
public sealed record InsertInto(Identifier Table, string Values) : StreamStatement;
