using Mplane.Warehouse.Sql;

namespace Mplane.Streams.Statements;

/// <summary><c>CREATE STREAM TABLE name ( columns ) [ SET [ WINDOW n ] [ STRIDE n ] ]</c>.</summary>
/// <param name="Name">The stream table.</param>
/// <param name="Columns">
/// The column list between the parentheses, as written (from its first token to its last): its
/// parentheses balance and it holds no ';', so it can be placed between parentheses in a
/// <c>CREATE TABLE</c>; PostgreSQL checks the rest.
/// </param>
/// <param name="Window">How many tuples trigger the queries that read the table; null: the queries run on their heartbeat.</param>
/// <param name="Stride">How many of the oldest tuples a run removes; null: every tuple the run saw; 0: none.</param>
public sealed record CreateStreamTable(Identifier Name, string Columns, int? Window, int? Stride) : StreamStatement;

/// <summary><c>ALTER STREAM TABLE name SET WINDOW n</c> or <c>... SET STRIDE n</c>: exactly one of the two is set.</summary>
/// <param name="Name">The stream table.</param>
/// <param name="Window">The new window, or null when the stride changes.</param>
/// <param name="Stride">The new stride, or null when the window changes.</param>
public sealed record AlterStreamTable(Identifier Name, int? Window, int? Stride) : StreamStatement;

/// <summary><c>DROP STREAM TABLE name</c>.</summary>
/// <param name="Name">The stream table.</param>
public sealed record DropStreamTable(Identifier Name) : StreamStatement;
