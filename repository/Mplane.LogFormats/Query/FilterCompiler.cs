using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Mplane.LogFormats.Reading;
using Mplane.LogFormats.Values;

namespace Mplane.LogFormats.Query;

/// <summary>A compiled filter: true when the record matches.</summary>
public delegate bool RecordPredicate(RecordCursor record);

/// <summary>
/// Compiles a filter expression for one record format into a tree of delegates specialised for the
/// fields' positions and types, so that each record costs only the comparisons themselves: nothing
/// is interpreted, looked up by name or allocated per record.
/// </summary>
/// <remarks>
/// Null fields (empty, <c>-</c>, or absent from the format) make every comparison false, except
/// <c>== null</c> and <c>!= null</c>.
/// </remarks>
public static class FilterCompiler
{
    /// <summary>A filter that accepts every record.</summary>
    public static RecordPredicate All { get; } = _ => true;

    /// <summary>Compiles <paramref name="expression"/> for <paramref name="format"/>.</summary>
    /// <exception cref="FilterException">The expression is malformed or names an unknown field; the message points at it.</exception>
    public static RecordPredicate Compile(string expression, RecordFormat format) =>
        new Compilation(expression, format).Compile(Parser.Parse(expression));

    /// <summary>Checks <paramref name="expression"/>'s syntax without a format.</summary>
    public static void CheckSyntax(string expression) => Parser.Parse(expression);

    private sealed class Compilation(string expression, RecordFormat format)
    {
        public RecordPredicate Compile(Node node) => node switch
        {
            OrNode or => Or(Compile(or.Left), Compile(or.Right)),
            AndNode and => And(Compile(and.Left), Compile(and.Right)),
            NotNode not => Not(Compile(not.Operand)),
            CompareNode compare => CompileCompare(compare),
            InNode @in => CompileIn(@in),
            MatchNode match => CompileMatch(match),
            TruthNode truth => CompileTruth(truth),
            _ => throw new InvalidOperationException(node.GetType().Name),
        };

        private static RecordPredicate Or(RecordPredicate a, RecordPredicate b) => r => a(r) || b(r);

        private static RecordPredicate And(RecordPredicate a, RecordPredicate b) => r => a(r) && b(r);

        private static RecordPredicate Not(RecordPredicate a) => r => !a(r);

        private RecordPredicate CompileCompare(CompareNode node)
        {
            var (left, right, op) = (node.Left, node.Right, node.Operator);
            if (left is LiteralOperand && right is FieldOperand)
            {
                (left, right, op) = (right, left, Mirror(op));
            }

            if (left is not FieldOperand field)
            {
                throw Error("a comparison needs a field on at least one side", left);
            }

            var (index, definition) = Resolve(field);
            if (right is FieldOperand other)
            {
                return CompareFields(index, definition, Resolve(other), op, node);
            }

            var literal = (LiteralOperand)right;
            if (literal.IsNull)
            {
                return op switch
                {
                    "==" => r => r.IsNull(index),
                    "!=" => r => !r.IsNull(index),
                    _ => throw Error("null compares only with == and !=", literal),
                };
            }

            return definition.Type switch
            {
                FieldType.Address => CompareAddress(index, ParseAddress(literal), op, literal),
                FieldType.Text => CompareText(index, literal.Text, op),
                _ when definition.Type.IsInteger() && TryInteger(literal, definition, out var whole) => CompareInteger(index, whole, op),
                _ => CompareReal(index, ParseReal(literal, definition), op),
            };
        }

        private RecordPredicate CompareFields(int a, FieldDefinition da, (int Index, FieldDefinition Definition) b, string op, CompareNode node)
        {
            var ib = b.Index;
            if (da.Type.IsNumeric() && b.Definition.Type.IsNumeric())
            {
                var test = Relation(op);
                return r => r.TryGetDouble(a, out var x) && r.TryGetDouble(ib, out var y) && test(x.CompareTo(y));
            }

            if (da.Type == FieldType.Address && b.Definition.Type == FieldType.Address && op is "==" or "!=")
            {
                var equal = op == "==";
                return r => r.TryGetAddress(a, out var x) && r.TryGetAddress(ib, out var y) && (x == y) == equal;
            }

            if (da.Type == FieldType.Text && b.Definition.Type == FieldType.Text)
            {
                var test = Relation(op);
                return r => !r.IsNull(a) && !r.IsNull(ib) && test(r.Field(a).SequenceCompareTo(r.Field(ib)));
            }

            throw new FilterException($"cannot compare {da.Name} ({da.Type.DisplayName()}) with {b.Definition.Name} ({b.Definition.Type.DisplayName()}) using '{op}'",
                expression, node.Position, op.Length);
        }

        private static RecordPredicate CompareInteger(int index, long constant, string op) => op switch
        {
            // The common operators get their own closures: no relation delegate on the hot path.
            "==" => r => r.TryGetInt64(index, out var v) && v == constant,
            "!=" => r => r.TryGetInt64(index, out var v) && v != constant,
            "<" => r => r.TryGetInt64(index, out var v) && v < constant,
            "<=" => r => r.TryGetInt64(index, out var v) && v <= constant,
            ">" => r => r.TryGetInt64(index, out var v) && v > constant,
            _ => r => r.TryGetInt64(index, out var v) && v >= constant,
        };

        private static RecordPredicate CompareReal(int index, double constant, string op)
        {
            var test = Relation(op);
            return r => r.TryGetDouble(index, out var v) && test(v.CompareTo(constant));
        }

        private static RecordPredicate CompareText(int index, string constant, string op)
        {
            var bytes = Encoding.UTF8.GetBytes(constant);
            if (op == "==")
            {
                return r => !r.IsNull(index) && r.Field(index).SequenceEqual(bytes);
            }

            if (op == "!=")
            {
                return r => !r.IsNull(index) && !r.Field(index).SequenceEqual(bytes);
            }

            var test = Relation(op);
            return r => !r.IsNull(index) && test(r.Field(index).SequenceCompareTo(bytes));
        }

        private RecordPredicate CompareAddress(int index, IpAddressValue constant, string op, LiteralOperand literal) => op switch
        {
            "==" => r => r.TryGetAddress(index, out var v) && v == constant,
            "!=" => r => r.TryGetAddress(index, out var v) && v != constant,
            _ => throw Error($"addresses compare only with == and != (use 'in' for prefixes), not '{op}'", literal),
        };

        private RecordPredicate CompileIn(InNode node)
        {
            var (index, definition) = Resolve(node.Field);
            if (definition.Type == FieldType.Address)
            {
                var prefixes = node.Set.Select(l => IpPrefix.TryParse(l.Text) ?? throw Error($"'{l.Text}' is not an address or prefix", l)).ToArray();
                if (prefixes.Length == 1)
                {
                    var only = prefixes[0];
                    return r => r.TryGetAddress(index, out var v) && only.Contains(v);
                }

                return r => r.TryGetAddress(index, out var v) && Array.Exists(prefixes, p => p.Contains(v));
            }

            if (definition.Type.IsInteger() && node.Set.All(l => TryInteger(l, definition, out _)))
            {
                var set = node.Set.Select(l => { TryInteger(l, definition, out var v); return v; }).ToHashSet();
                return r => r.TryGetInt64(index, out var v) && set.Contains(v);
            }

            if (definition.Type.IsNumeric())
            {
                var set = node.Set.Select(l => ParseReal(l, definition)).ToHashSet();
                return r => r.TryGetDouble(index, out var v) && set.Contains(v);
            }

            var texts = node.Set.Select(l => Encoding.UTF8.GetBytes(l.Text)).ToArray();
            return r =>
            {
                if (r.IsNull(index))
                {
                    return false;
                }

                var field = r.Field(index);
                foreach (var text in texts)
                {
                    if (field.SequenceEqual(text))
                    {
                        return true;
                    }
                }

                return false;
            };
        }

        private RecordPredicate CompileMatch(MatchNode node)
        {
            var (index, _) = Resolve(node.Field);
            Regex regex;
            try
            {
                regex = new Regex(node.IsRegex ? node.Pattern : GlobToRegex(node.Pattern), RegexOptions.CultureInvariant | RegexOptions.Compiled);
            }
            catch (ArgumentException e)
            {
                throw new FilterException($"invalid pattern: {e.Message}", expression, node.Position);
            }

            var negated = node.Negated;
            return r =>
            {
                if (r.IsNull(index))
                {
                    return false;
                }

                var field = r.Field(index);
                var chars = field.Length <= 512 ? stackalloc char[field.Length] : new char[field.Length];
                var length = Encoding.UTF8.GetChars(field, chars);
                return regex.IsMatch(chars[..length]) != negated;
            };
        }

        private RecordPredicate CompileTruth(TruthNode node)
        {
            var (index, definition) = Resolve(node.Field);
            if (definition.Type.IsNumeric())
            {
                return r => r.TryGetDouble(index, out var v) && v != 0;
            }

            return r => !r.IsNull(index);
        }

        private (int Index, FieldDefinition Definition) Resolve(FieldOperand field)
        {
            var definition = format.Resolve(field.Name);
            if (definition is null)
            {
                var closest = Closest(field.Name, format.KnownNames);
                var hint = closest is null ? string.Empty : $"; did you mean '{closest}'?";
                throw Error($"unknown field '{field.Name}'{hint}", field);
            }

            return (format.IndexOf(field.Name), definition);
        }

        private bool TryInteger(LiteralOperand literal, FieldDefinition definition, out long value)
        {
            value = 0;
            if (literal.Kind == TokenKind.Identifier && literal.Text is "true" or "false")
            {
                value = literal.Text == "true" ? 1 : 0;
                return true;
            }

            if (literal.Kind == TokenKind.String && definition.Type == FieldType.UnixSeconds && TryTime(literal.Text, out var time))
            {
                value = time.ToUnixTimeSeconds();
                return time.Ticks % TimeSpan.TicksPerSecond == 0;
            }

            return literal.Kind == TokenKind.Number && long.TryParse(literal.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
        }

        private double ParseReal(LiteralOperand literal, FieldDefinition definition)
        {
            if (literal.Kind == TokenKind.Number && double.TryParse(literal.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return number;
            }

            if (literal.Kind == TokenKind.String && definition.Type is FieldType.Instant or FieldType.UnixSeconds && TryTime(literal.Text, out var time))
            {
                var ms = (time - DateTimeOffset.UnixEpoch).TotalMilliseconds;
                return definition.Type == FieldType.Instant ? ms : ms / 1000;
            }

            if (literal.Kind == TokenKind.Identifier && literal.Text is "true" or "false")
            {
                return literal.Text == "true" ? 1 : 0;
            }

            var expected = definition.Type is FieldType.Instant or FieldType.UnixSeconds ? "a number or a quoted ISO-8601 time" : "a number";
            throw Error($"{definition.Name} is {definition.Type.DisplayName()}: expected {expected}, found '{literal.Text}'", literal);
        }

        private IpAddressValue ParseAddress(LiteralOperand literal) =>
            IpPrefix.TryParse(literal.Text) is { } prefix && prefix.Length == (prefix.Network.IsV6 ? 128 : 32)
                ? prefix.Network
                : throw Error($"'{literal.Text}' is not an address (use 'in' for a prefix)", literal);

        private static bool TryTime(string text, out DateTimeOffset time) =>
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

        private FilterException Error(string problem, Operand at) => new(problem, expression, at.Position, at.Length);

        private static string Mirror(string op) => op switch
        {
            "<" => ">",
            "<=" => ">=",
            ">" => "<",
            ">=" => "<=",
            _ => op,
        };

        private static Func<int, bool> Relation(string op) => op switch
        {
            "==" => c => c == 0,
            "!=" => c => c != 0,
            "<" => c => c < 0,
            "<=" => c => c <= 0,
            ">" => c => c > 0,
            _ => c => c >= 0,
        };

        private static string GlobToRegex(string glob) =>
            "^" + Regex.Escape(glob).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$";

        private static string? Closest(string name, IEnumerable<string> candidates) =>
            candidates
                .Select(c => (Name: c, Distance: EditDistance(name.ToLowerInvariant(), c.ToLowerInvariant())))
                .Where(c => c.Distance <= Math.Max(2, name.Length / 3))
                .OrderBy(c => c.Distance)
                .ThenBy(c => c.Name, StringComparer.Ordinal)
                .Select(c => c.Name)
                .FirstOrDefault();

        private static int EditDistance(string a, string b)
        {
            var previous = Enumerable.Range(0, b.Length + 1).ToArray();
            for (var i = 1; i <= a.Length; i++)
            {
                var current = new int[b.Length + 1];
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                }

                previous = current;
            }

            return previous[b.Length];
        }
    }
}
