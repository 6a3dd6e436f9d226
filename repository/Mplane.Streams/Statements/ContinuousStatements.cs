using Mplane.Warehouse.Sql;

namespace Mplane.Streams.Statements;

/// <summary>What a continuous query calls.</summary>
public enum RoutineKind
{
    /// <summary>A procedure (<c>CALL</c>).</summary>
    Procedure,

    /// <summary>A function whose result rows are kept in the tag's output table.</summary>
    Function,
}

/// <summary>What a command does to continuous queries.</summary>
public enum ContinuousAction
{
    /// <summary>Remove the query from the scheduler.</summary>
    Stop,

    /// <summary>Keep the query but do not run it.</summary>
    Pause,

    /// <summary>Run a paused query again.</summary>
    Resume,
}

/// <summary>The <c>WITH</c> options of a continuous query; null where not given.</summary>
/// <param name="HeartbeatMs">Milliseconds between runs; null: runs are triggered by the input tables' windows.</param>
/// <param name="Clock">When the first run may happen; null: at once.</param>
/// <param name="Cycles">How many runs before the query is removed; null: forever.</param>
public sealed record ContinuousOptions(int? HeartbeatMs, ClockValue? Clock, int? Cycles)
{
    /// <summary>No option given.</summary>
    public static ContinuousOptions None { get; } = new(null, null, null);
}

/// <summary>A function or procedure, optionally in a schema.</summary>
/// <param name="Schema">The schema, or null for PostgreSQL's search path.</param>
/// <param name="Name">The routine.</param>
public sealed record QualifiedRoutine(Identifier? Schema, Identifier Name);

/// <summary>
/// <c>START CONTINUOUS { PROCEDURE | FUNCTION } [schema.]name ( [arg {, arg}] ) [ WITH ... ] [ AS tag ]</c>.
/// </summary>
/// <param name="Kind">Procedure or function.</param>
/// <param name="Routine">The routine called on each run.</param>
/// <param name="Arguments">
/// Each argument's SQL literal text as written: a number, a <c>'string'</c> with <c>''</c> escapes,
/// <c>true</c>, <c>false</c> or <c>null</c>; no <c>;</c> anywhere.
/// </param>
/// <param name="Options">The <c>WITH</c> options (<see cref="ContinuousOptions.None"/> without <c>WITH</c>).</param>
/// <param name="Tag">The query's name: the one after <c>AS</c>, else the routine's name.</param>
public sealed record StartContinuous(
    RoutineKind Kind,
    QualifiedRoutine Routine,
    IReadOnlyList<string> Arguments,
    ContinuousOptions Options,
    Identifier Tag) : StreamStatement
{
    /// <summary>Compares the arguments by value, not by list reference.</summary>
    public bool Equals(StartContinuous? other) =>
        other is not null
        && Kind == other.Kind
        && Routine == other.Routine
        && Arguments.SequenceEqual(other.Arguments)
        && Options == other.Options
        && Tag == other.Tag;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Routine, Arguments.Count, Options, Tag);
}

/// <summary><c>STOP | PAUSE | RESUME CONTINUOUS tag</c>, or <c>... ALL CONTINUOUS</c>.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Tag">The query, or null for all of them.</param>
/// <param name="Options">For <c>RESUME CONTINUOUS tag WITH ...</c> only: the new options; null keeps the previous ones.</param>
public sealed record ContinuousCommand(ContinuousAction Action, Identifier? Tag, ContinuousOptions? Options) : StreamStatement;
