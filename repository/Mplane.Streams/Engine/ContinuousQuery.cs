namespace Mplane.Streams.Engine;

/// <summary>A registered continuous query, as the catalogue holds it.</summary>
/// <param name="Tag">Its tag (the name of its output table in <c>cquery</c>).</param>
/// <param name="IsFunction">A function (its rows go to the output table) or a procedure (called).</param>
/// <param name="Schema">The routine's schema.</param>
/// <param name="Routine">The routine's name.</param>
/// <param name="Arguments">The arguments' SQL literals.</param>
/// <param name="Inputs">The stream tables it reads.</param>
/// <param name="HeartbeatMs">Run every this many milliseconds, when set.</param>
/// <param name="StartAt">Not before this instant (CLOCK), when set.</param>
/// <param name="CyclesLeft">Runs left before it is removed, when bounded.</param>
/// <param name="Running">Running, or paused.</param>
/// <param name="Runs">Runs so far.</param>
/// <param name="LastRun">When it last ran.</param>
/// <param name="LastError">The error that paused it, if any.</param>
public sealed record ContinuousQuery(
    string Tag, bool IsFunction, string Schema, string Routine, IReadOnlyList<string> Arguments, IReadOnlyList<string> Inputs,
    int? HeartbeatMs, DateTimeOffset? StartAt, int? CyclesLeft, bool Running, long Runs, DateTimeOffset? LastRun, string? LastError);

/// <summary>A stream table's trigger settings and the tuples it holds now.</summary>
/// <param name="Name">The table.</param>
/// <param name="Window">Tuples that trigger the queries reading it, when set.</param>
/// <param name="Stride">Tuples removed after a run: the oldest n, 0 none, null all the run saw.</param>
/// <param name="Tuples">Tuples now.</param>
public sealed record StreamTableState(string Name, int? Window, int? Stride, long Tuples);
