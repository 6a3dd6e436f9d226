namespace Mplane.Streams.Statements;

/// <summary>
/// Keyword options after <c>SET</c> or <c>WITH</c>: at least one, in any order (the seed writes
/// them in one order, but nothing depends on it), each at most once, since a repeat is almost
/// always a mistake whose winner would be a guess.
/// </summary>
internal static class OptionList
{
    /// <summary>Reads options named by <paramref name="names"/> (lower-case); <paramref name="readValue"/> reads the value of the option at an index.</summary>
    public static void Read(TokenCursor cursor, string introducer, IReadOnlyList<string> names, Action<int> readValue)
    {
        var seen = new bool[names.Count];
        var any = false;
        while (true)
        {
            var token = cursor.Peek;
            var index = IndexOf(cursor, token, names);
            if (index < 0)
            {
                if (!any)
                {
                    var upper = names.Select(n => n.ToUpperInvariant()).ToList();
                    var expected = string.Join(", ", upper[..^1]) + " or " + upper[^1];
                    throw cursor.Error($"expected {expected} after {introducer} but found {cursor.Describe(token)}", token);
                }

                return;
            }

            if (seen[index])
            {
                throw cursor.Error($"{names[index].ToUpperInvariant()} is given twice", token);
            }

            seen[index] = any = true;
            cursor.Take();
            readValue(index);
        }
    }

    private static int IndexOf(TokenCursor cursor, SqlToken token, IReadOnlyList<string> names)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (token.IsWord(cursor.Text, names[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
