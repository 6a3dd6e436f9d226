using Mplane.Warehouse.Sql;

namespace Mplane.Streams.Statements;

/// <summary><c>START CONTINUOUS</c> and the commands on running queries (<c>STOP</c>, <c>PAUSE</c>, <c>RESUME</c>).</summary>
internal static class ContinuousParser
{
    /// <summary>PostgreSQL's limit on a routine's arguments.</summary>
    public const int MaxArguments = 100;

    private const string TagWhat = "continuous query tag";

    private static readonly string[] OptionNames = ["heartbeat", "clock", "cycles"];

    public static StartContinuous Start(TokenCursor cursor)
    {
        cursor.ExpectWord("start", "at the start");
        cursor.ExpectWord("continuous", "after START");
        var kindToken = cursor.Take();
        var kind = kindToken.IsWord(cursor.Text, "procedure") ? RoutineKind.Procedure
            : kindToken.IsWord(cursor.Text, "function") ? RoutineKind.Function
            : throw cursor.Error($"expected PROCEDURE or FUNCTION after START CONTINUOUS but found {cursor.Describe(kindToken)}", kindToken);
        var what = kind == RoutineKind.Procedure ? "procedure" : "function";
        Identifier? schema = null;
        if (cursor.PeekAt(1).Kind == SqlTokenKind.Dot)
        {
            schema = cursor.ExpectName("schema");
            cursor.Take();
        }

        var routine = new QualifiedRoutine(schema, cursor.ExpectName(what));
        var arguments = ParenthesisedList.Read(cursor, "argument", LiteralReader.Argument, MaxArguments, allowEmpty: true).Items;
        var options = cursor.TakeWord("with") ? Options(cursor) : ContinuousOptions.None;
        var tag = cursor.TakeWord("as") ? cursor.ExpectName(TagWhat) : routine.Name;
        return new StartContinuous(kind, routine, arguments, options, tag);
    }

    public static ContinuousCommand Command(TokenCursor cursor)
    {
        var verb = cursor.Take();
        var action = verb.IsWord(cursor.Text, "stop") ? ContinuousAction.Stop
            : verb.IsWord(cursor.Text, "pause") ? ContinuousAction.Pause
            : ContinuousAction.Resume;
        var name = verb.TextIn(cursor.Text).ToUpperInvariant();
        Identifier? tag = null;
        if (cursor.TakeWord("all"))
        {
            cursor.ExpectWord("continuous", $"after {name} ALL");
        }
        else
        {
            cursor.ExpectWord("continuous", $"(or ALL CONTINUOUS) after {name}");
            tag = cursor.ExpectName(TagWhat);
        }

        var with = cursor.Peek;
        if (!with.IsWord(cursor.Text, "with"))
        {
            return new ContinuousCommand(action, tag, null);
        }

        if (action != ContinuousAction.Resume)
        {
            throw cursor.Error($"{name} takes no WITH: only RESUME changes a query's options", with);
        }

        if (tag is null)
        {
            throw cursor.Error("RESUME ALL CONTINUOUS takes no WITH: each query resumes with its own previous options", with);
        }

        cursor.Take();
        return new ContinuousCommand(action, tag, Options(cursor));
    }

    private static ContinuousOptions Options(TokenCursor cursor)
    {
        int? heartbeat = null;
        ClockValue? clock = null;
        int? cycles = null;
        OptionList.Read(cursor, "WITH", OptionNames, index =>
        {
            switch (index)
            {
                case 0:
                    heartbeat = cursor.ExpectCount("HEARTBEAT", 1);
                    break;
                case 1:
                    clock = LiteralReader.Clock(cursor);
                    break;
                default:
                    cycles = cursor.ExpectCount("CYCLES", 1);
                    break;
            }
        });
        return new ContinuousOptions(heartbeat, clock, cycles);
    }
}
