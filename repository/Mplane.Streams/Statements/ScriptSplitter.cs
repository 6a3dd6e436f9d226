namespace Mplane.Streams.Statements;

/// <summary>
/// Splits a script into statements where psql would: at a ';' outside quotes, comments and
/// dollar-quoted text, outside parentheses, and outside the <c>BEGIN ... END</c> body of a
/// <c>CREATE [OR REPLACE] FUNCTION | PROCEDURE</c> (psql's own heuristic, so that a SQL-standard
/// body <c>BEGIN ATOMIC ...; END</c> stays whole). Each statement runs from its first token to its
/// last: comments around it and the ';' are left out.
/// </summary>
internal static class ScriptSplitter
{
    /// <summary>The statements' ranges <c>[Start, End)</c> in <paramref name="script"/>, in order.</summary>
    public static IEnumerable<(int Start, int End)> Split(string script)
    {
        var lexer = new SqlLexer(script);
        var state = new StatementState();
        while (true)
        {
            var token = lexer.Next();
            if (token.Kind == SqlTokenKind.End || (token.Kind == SqlTokenKind.Semicolon && state.AtTopLevel))
            {
                if (state.Start >= 0)
                {
                    yield return (state.Start, state.End);
                }

                if (token.Kind == SqlTokenKind.End)
                {
                    yield break;
                }

                state = new StatementState();
                continue;
            }

            state.Add(script, token);
        }
    }

    // What psql tracks of the statement being read; a fresh one for each statement.
    private sealed class StatementState
    {
        private int _parentheses;
        private int _beginDepth;
        private RoutineHead _head = RoutineHead.ExpectCreate;

        public int Start { get; private set; } = -1;

        public int End { get; private set; }

        public bool AtTopLevel => _parentheses == 0 && _beginDepth == 0;

        public void Add(string script, SqlToken token)
        {
            if (Start < 0)
            {
                Start = token.Start;
            }

            End = token.End;
            if (End - Start > StatementParser.MaxStatementLength)
            {
                throw new StatementException(
                    $"the statement is longer than {StatementParser.MaxStatementLength} characters (is a ';' missing?)", script, Start);
            }

            switch (token.Kind)
            {
                case SqlTokenKind.LeftParen:
                    _parentheses++;
                    break;
                case SqlTokenKind.RightParen when _parentheses > 0:
                    _parentheses--;
                    break;
                case SqlTokenKind.Word:
                    AddWord(script, token);
                    break;
            }
        }

        private void AddWord(string script, SqlToken word)
        {
            _head = Advance(_head, script, word);
            if (_head != RoutineHead.Routine || _parentheses > 0)
            {
                return;
            }

            if (word.IsWord(script, "begin"))
            {
                _beginDepth++;
            }
            else if (word.IsWord(script, "case") && _beginDepth > 0)
            {
                // CASE also ends with END; it only matters inside a BEGIN.
                _beginDepth++;
            }
            else if (word.IsWord(script, "end") && _beginDepth > 0)
            {
                _beginDepth--;
            }
        }
    }

    // How far the statement's first words match CREATE [OR REPLACE] { FUNCTION | PROCEDURE }.
    private enum RoutineHead
    {
        ExpectCreate,
        ExpectOrOrRoutine,
        ExpectReplace,
        ExpectRoutine,
        Routine,
        Other,
    }

    private static RoutineHead Advance(RoutineHead head, string script, SqlToken word)
    {
        bool Is(string keyword) => word.IsWord(script, keyword);
        return head switch
        {
            RoutineHead.ExpectCreate => Is("create") ? RoutineHead.ExpectOrOrRoutine : RoutineHead.Other,
            RoutineHead.ExpectOrOrRoutine when Is("or") => RoutineHead.ExpectReplace,
            RoutineHead.ExpectReplace => Is("replace") ? RoutineHead.ExpectRoutine : RoutineHead.Other,
            RoutineHead.ExpectOrOrRoutine or RoutineHead.ExpectRoutine => Is("function") || Is("procedure") ? RoutineHead.Routine : RoutineHead.Other,
            _ => head,
        };
    }
}
