using Mplane.Protocol.Constraints;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Protocol.Temporal;
using Mplane.Protocol.Values;

namespace Mplane.Protocol.Matching;

/// <summary>
/// Decides whether a specification is meant for a capability and may run: the same schema (registry,
/// parameter and result names), the capability's label (or the reference client's
/// <c>label-N</c>) so that two capabilities with one schema never collide, the same verb, a
/// <c>when</c> that follows the capability's, and every parameter value of its element's prim and
/// within the capability's constraint. The reference matches by schema and <c>when</c> only and never
/// checks constraints on the component.
/// </summary>
public sealed class SpecificationCheck(RegistryCatalog registries)
{
    /// <summary>Whether <paramref name="specification"/> names <paramref name="capability"/> (schema, label, verb), before checking its values.</summary>
    public static bool Targets(Statement capability, Statement specification)
    {
        if (specification.Kind != MessageKind.Specification || capability.Verb != specification.Verb)
        {
            return false;
        }

        // The names themselves, not the schema hash: joined names can collide ("a b" against "a", "b").
        var sameSchema = capability.Registry == specification.Registry
            && capability.Parameters.Keys.ToHashSet(StringComparer.Ordinal).SetEquals(specification.Parameters.Keys)
            && capability.Results.ToHashSet(StringComparer.Ordinal).SetEquals(specification.Results);
        return sameSchema && capability.Label is { } label && specification.Label is { } asked &&
               (asked == label || (asked.StartsWith(label + "-", StringComparison.Ordinal) && asked[(label.Length + 1)..].All(char.IsAsciiDigit) && asked.Length > label.Length + 1));
    }

    /// <summary>The capability among <paramref name="capabilities"/> that <paramref name="specification"/> targets, or null.</summary>
    public static Statement? Match(IEnumerable<Statement> capabilities, Statement specification) =>
        capabilities.FirstOrDefault(c => Targets(c, specification));

    /// <summary>What is wrong with running <paramref name="specification"/> on <paramref name="capability"/> at <paramref name="now"/>; empty when nothing is.</summary>
    public IReadOnlyList<string> Problems(Statement capability, Statement specification, DateTimeOffset now)
    {
        var problems = new List<string>();
        if (!Targets(capability, specification))
        {
            problems.Add($"the specification ({specification.Label}) does not target capability {capability.Label}: schema, label or verb differ");
            return problems;
        }

        try
        {
            var capabilityWhen = When.Parse(capability.When);
            var follows = RepeatedWhen.IsRepeated(specification.When)
                ? RepeatedWhen.Parse(specification.When).Follows(capabilityWhen, now)
                : When.Parse(specification.When).Follows(capabilityWhen, now);
            if (!follows)
            {
                problems.Add($"when '{specification.When}' does not follow the capability's '{capability.When}'");
            }
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            problems.Add($"when: {e.Message}");
        }

        foreach (var (name, constraintText) in capability.Parameters)
        {
            if (!specification.Parameters.TryGetValue(name, out var value))
            {
                problems.Add($"parameter {name} is missing");
                continue;
            }

            try
            {
                var prim = registries.Resolve(capability.Registry, name).Prim;
                var parsed = ValueCodec.Parse(prim, value);
                if (parsed is null)
                {
                    problems.Add($"parameter {name} has no value");
                }
                else if (!Constraint.Parse(prim, constraintText).Accepts(parsed))
                {
                    problems.Add($"parameter {name} = '{value}' is outside the capability's constraint '{constraintText}'");
                }
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                problems.Add($"parameter {name}: {e.Message}");
            }
        }

        return problems;
    }
}
