using System.Globalization;
using System.Net;
using System.Text;

namespace Mplane.LogFormats.Query;

/// <summary>What a table column holds, as far as a filter is concerned.</summary>
public enum SqlColumnKind
{
    /// <summary>Integers and reals.</summary>
    Number,

    /// <summary>Text.</summary>
    Text,

    /// <summary><c>inet</c>.</summary>
    Address,

    /// <summary><c>timestamptz</c>: literals are ISO 8601 times (UTC unless they say otherwise).</summary>
    Time,

    /// <summary><c>boolean</c>.</summary>
    Boolean,

    /// <summary>Any other type (arrays, JSON, intervals...): the column cannot be filtered on.</summary>
    Unsupported,
}

/// <summary>A filter translated to SQL: a condition with positional parameters and their values.</summary>
/// <param name="Sql">The condition, with <c>$n</c> placeholders.</param>
/// <param name="Values">The parameters' values, in order.</param>
public sealed record SqlCondition(string Sql, IReadOnlyList<object> Values);

/// <summary>
/// Translates the filter language (the same expressions <see cref="FilterCompiler"/> runs over log
/// records) into a SQL condition over a table's columns: every field must be one of the given
/// columns (they reach SQL quoted, from the caller's list, never from the expression), every literal
/// is a parameter. As over log records, a comparison with a null column is false (so its negation
/// is true), and patterns match addresses and times as text (<c>10.0.0.1</c>, ISO 8601 in UTC).
/// </summary>
public static class SqlFilter
{
    /// <summary>Translates <paramref name="expression"/>; placeholders are numbered from <paramref name="firstParameter"/>.</summary>
    /// <param name="expression">The filter.</param>
    /// <param name="columns">The columns a filter may name (lower-case names) and their kinds.</param>
    /// <param name="quote">Quotes a column name for SQL (the caller's validated quoting).</param>
    /// <param name="firstParameter">The number of the first placeholder.</param>
    /// <exception cref="FilterException">The expression is malformed, names an unknown column or holds a value the column cannot take.</exception>
    public static SqlCondition Translate(string expression, IReadOnlyDictionary<string, SqlColumnKind> columns, Func<string, string> quote, int firstParameter = 1)
    {
        var translation = new Translation(expression, columns, quote, firstParameter);
        return new SqlCondition(translation.Condition(Parser.Parse(expression)), translation.Values);
    }

    private sealed class Translation(string expression, IReadOnlyDictionary<string, SqlColumnKind> columns, Func<string, string> quote, int firstParameter)
    {
        public List<object> Values { get; } = [];

        public string Condition(Node node) => node switch
        {
            OrNode or => $"({Condition(or.Left)} OR {Condition(or.Right)})",
            AndNode and => $"({Condition(and.Left)} AND {Condition(and.Right)})",
            NotNode not => $"(NOT {Condition(not.Operand)})",
            CompareNode compare => Compare(compare),
            InNode @in => In(@in),
            MatchNode match => Match(match),
            TruthNode truth => Truth(truth),
            _ => throw new InvalidOperationException(node.GetType().Name),
        };

        // COALESCE: a null column makes the comparison false, and NOT of it true, as over log records.
        private static string Definite(string condition) => $"COALESCE({condition}, false)";

        private string Compare(CompareNode node)
        {
            var (left, right, op) = (node.Left, node.Right, node.Operator);
            if (left is LiteralOperand && right is FieldOperand)
            {
                (left, right, op) = (right, left, op switch { "<" => ">", "<=" => ">=", ">" => "<", ">=" => "<=", _ => op });
            }

            if (left is not FieldOperand field)
            {
                throw Error("a comparison needs a column on one side", left);
            }

            var sqlOp = op == "==" ? "=" : op == "!=" ? "<>" : op;
            var (column, kind) = Column(field);
            if (right is LiteralOperand { IsNull: true } nullLiteral)
            {
                return op switch
                {
                    "==" => $"({column} IS NULL)",
                    "!=" => $"({column} IS NOT NULL)",
                    _ => throw Error("null can only be compared with == or !=", nullLiteral),
                };
            }

            return right switch
            {
                FieldOperand other when Column(other).Kind != kind =>
                    throw Error($"'{field.Name}' ({Name(kind)}) and '{other.Name}' ({Name(Column(other).Kind)}) cannot be compared", other),
                FieldOperand other => Definite($"{column} {sqlOp} {Column(other).Sql}"),
                LiteralOperand literal => Definite($"{column} {sqlOp} {Parameter(Value(kind, literal, field))}"),
                _ => throw new InvalidOperationException(right.GetType().Name),
            };
        }

        private string In(InNode node)
        {
            var (column, kind) = Column(node.Field);
            var alternatives = node.Set.Select(literal =>
                kind == SqlColumnKind.Address && literal.Text.Contains('/', StringComparison.Ordinal)
                    ? $"{column} <<= {Parameter(Prefix(literal))}"
                    : $"{column} = {Parameter(Value(kind, literal, node.Field))}");
            return Definite($"({string.Join(" OR ", alternatives)})");
        }

        private string Match(MatchNode node)
        {
            var (column, kind) = Column(node.Field);
            var text = kind switch
            {
                SqlColumnKind.Text => column,
                SqlColumnKind.Address => $"host({column})", // without the /32 that inet's text form carries
                SqlColumnKind.Time => $"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')", // not the session's DateStyle
                _ => $"{column}::text",
            };
            var condition = node.IsRegex ? $"{text} ~ {Parameter(node.Pattern)}" : $"{text} LIKE {Parameter(GlobToLike(node.Pattern))}";
            return Definite(node.Negated ? $"NOT ({condition})" : condition);
        }

        private string Truth(TruthNode node)
        {
            var (column, kind) = Column(node.Field);
            return Definite(kind switch
            {
                SqlColumnKind.Number => $"{column} <> 0",
                SqlColumnKind.Text => $"{column} <> ''",
                SqlColumnKind.Boolean => column,
                _ => $"{column} IS NOT NULL",
            });
        }

        private (string Sql, SqlColumnKind Kind) Column(FieldOperand field) =>
            !columns.TryGetValue(field.Name.ToLowerInvariant(), out var kind)
                ? throw Error($"unknown column '{field.Name}' (columns: {string.Join(", ", columns.Keys.Order(StringComparer.Ordinal))})", field)
                : kind == SqlColumnKind.Unsupported
                    ? throw Error($"column '{field.Name}' has a type filters cannot use", field)
                    : (quote(field.Name.ToLowerInvariant()), kind);

        private static string Name(SqlColumnKind kind) => kind.ToString().ToLowerInvariant();

        private string Parameter(object value)
        {
            Values.Add(value);
            return "$" + (firstParameter + Values.Count - 1).ToString(CultureInfo.InvariantCulture);
        }

        private object Value(SqlColumnKind kind, LiteralOperand literal, FieldOperand field)
        {
            var text = literal.Text;
            object? value = kind switch
            {
                SqlColumnKind.Number => decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null,
                SqlColumnKind.Text => text,
                SqlColumnKind.Address => IPAddress.TryParse(text, out var address) ? address : null,
                SqlColumnKind.Time => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null,
                SqlColumnKind.Boolean => text switch { "true" or "1" => true, "false" or "0" => false, _ => null },
                _ => null,
            };
            return value ?? throw Error($"'{text}' is not a value for column '{field.Name}' ({Name(kind)})", literal);
        }

        private SqlAddressPrefix Prefix(LiteralOperand literal)
        {
            var slash = literal.Text.IndexOf('/', StringComparison.Ordinal);
            return IPAddress.TryParse(literal.Text[..slash], out var network) &&
                   byte.TryParse(literal.Text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var bits) &&
                   bits <= (network.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
                ? new SqlAddressPrefix(network, bits)
                : throw Error($"'{literal.Text}' is not an address prefix", literal);
        }

        private static string GlobToLike(string glob)
        {
            var like = new StringBuilder(glob.Length + 2);
            foreach (var c in glob)
            {
                like.Append(c switch { '*' => "%", '?' => "_", '%' or '_' or '\\' => "\\" + c, _ => c.ToString() });
            }

            return like.ToString();
        }

        private FilterException Error(string problem, Operand at) => new(problem, expression, at.Position, at.Length);
    }
}

/// <summary>An address prefix for a SQL parameter (the caller maps it to its driver's <c>inet</c> with a netmask).</summary>
/// <param name="Network">The network address.</param>
/// <param name="Bits">The prefix length.</param>
public sealed record SqlAddressPrefix(IPAddress Network, byte Bits);
