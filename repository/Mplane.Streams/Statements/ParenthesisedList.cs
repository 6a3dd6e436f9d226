namespace Mplane.Streams.Statements;

/// <summary>A list of literals in parentheses: a routine's arguments, a row of values.</summary>
/// <param name="Items">Each item's text as written.</param>
/// <param name="Open">The '('.</param>
/// <param name="Close">The ')'.</param>
internal readonly record struct ParenthesisedList(List<string> Items, SqlToken Open, SqlToken Close)
{
    /// <summary>
    /// Reads <c>( item {, item} )</c>; <paramref name="what"/> names the items in messages,
    /// <paramref name="max"/> bounds their number, <paramref name="allowEmpty"/> accepts <c>()</c>.
    /// </summary>
    public static ParenthesisedList Read(TokenCursor cursor, string what, Func<TokenCursor, string> readItem, int max, bool allowEmpty)
    {
        var open = cursor.Expect(SqlTokenKind.LeftParen, $"'(' before the {what}s");
        var items = new List<string>();
        if (cursor.Peek.Kind == SqlTokenKind.RightParen)
        {
            var close = cursor.Take();
            return allowEmpty ? new ParenthesisedList(items, open, close) : throw cursor.Error($"expected at least one {what} in the parentheses", close);
        }

        while (true)
        {
            if (items.Count == max)
            {
                throw cursor.Error($"more than {max} {what}s", cursor.Peek);
            }

            items.Add(readItem(cursor));
            var separator = cursor.Take();
            if (separator.Kind == SqlTokenKind.RightParen)
            {
                return new ParenthesisedList(items, open, separator);
            }

            if (separator.Kind != SqlTokenKind.Comma)
            {
                throw cursor.Error($"expected ',' or ')' after the {what} but found {cursor.Describe(separator)}", separator);
            }
        }
    }
}
