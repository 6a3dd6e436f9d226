using System.Security.Cryptography;
using Mplane.Protocol.Constraints;
using Mplane.Protocol.Matching;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Protocol.Temporal;
using Mplane.Protocol.Values;

namespace Mplane.Components.Client;

/// <summary>
/// A specification from a capability, as the reference client's <c>runcap</c> builds one: verb,
/// registry, metadata, parameter and result names copied; each parameter's value given as
/// <c>NAME=VALUE</c>, read as its element's type and written as the reference writes it (<c>true</c>
/// becomes <c>True</c>, a time gains its six fraction digits), within the capability's constraint; a
/// parameter whose constraint admits one value only filled with it; the <c>when</c> following the
/// capability's; the label <c>&lt;capability label&gt;-&lt;n&gt;</c> (the reference supervisor strips
/// <c>-&lt;n&gt;</c> to find the capability, and refuses a label without it); a fresh random token, so
/// that no component mistakes it for an earlier specification (the reference re-tokens with the time
/// for the same reason, but keeps the token of a definite scope, which then never runs twice).
/// </summary>
public sealed class SpecificationBuilder(RegistryCatalog registries)
{
    /// <summary>The scope used when none is given: now, which suits queries and fails, with a message, where a period or a span is needed.</summary>
    public const string DefaultWhen = "now";

    private readonly SpecificationCheck _check = new(registries);

    /// <summary>Builds the specification of <paramref name="capability"/> at <paramref name="now"/>.</summary>
    /// <param name="capability">The capability.</param>
    /// <param name="assignments">Parameter values, each <c>NAME=VALUE</c>.</param>
    /// <param name="when">The temporal scope; <see cref="DefaultWhen"/> when null.</param>
    /// <param name="now">The current time, against which the scope is checked.</param>
    /// <param name="serial">The <c>n</c> of the label <c>&lt;capability label&gt;-&lt;n&gt;</c>.</param>
    /// <exception cref="SpecificationException">A value or the scope is wrong; the message names the parameter or the scope.</exception>
    public Statement Build(Statement capability, IEnumerable<string> assignments, string? when, DateTimeOffset now, int serial = 0)
    {
        var label = capability.Label ?? throw new SpecificationException($"capability {capability.Token} has no label: no specification can name it");
        var given = Assignments(label, capability, assignments);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var (name, constraint) in capability.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var prim = Guard(name, () => registries.Resolve(capability.Registry, name).Prim);
            if (given.TryGetValue(name, out var text))
            {
                var value = Guard(name, () => ValueCodec.Parse(prim, text)) ?? throw new SpecificationException($"parameter {name} needs a value ('{ValueCodec.Wildcard}' is none)");
                values[name] = ValueCodec.Format(prim, value);
            }
            else if (Guard(name, () => Constraint.Parse(prim, constraint)).SingleValue is { } single)
            {
                values[name] = ValueCodec.Format(prim, single);
            }
            else
            {
                missing.Add($"{name} (constraint '{constraint}')");
            }
        }

        if (missing.Count > 0)
        {
            throw new SpecificationException($"{label} needs a value for {string.Join(", ", missing)}");
        }

        var scope = when ?? DefaultWhen;
        var specification = new Statement(MessageKind.Specification, capability.Verb)
        {
            Registry = capability.Registry,
            // Written as the reference re-serialises it; a repeated scope runs as one sub-specification per occurrence.
            When = Guard("when", () => RepeatedWhen.IsRepeated(scope) ? RepeatedWhen.Parse(scope).ToString() : When.Parse(scope).ToString()),
            Label = $"{label}-{serial}",
            Token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            Parameters = values,
            Metadata = capability.Metadata,
            Results = capability.Results,
        };
        if (_check.Problems(capability, specification, now) is { Count: > 0 } problems)
        {
            var hint = when is null ? $" (no when was given; '{DefaultWhen}' is the default)" : string.Empty;
            throw new SpecificationException($"{label}: {string.Join("; ", problems)}{hint}");
        }

        return specification;
    }

    private static Dictionary<string, string> Assignments(string label, Statement capability, IEnumerable<string> assignments)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new SpecificationException($"'{assignment}' is not NAME=VALUE");
            }

            var name = assignment[..equals];
            if (!capability.Parameters.ContainsKey(name))
            {
                var known = capability.Parameters.Count == 0 ? "it has none" : "its parameters: " + string.Join(", ", capability.Parameters.Keys.Order(StringComparer.Ordinal));
                throw new SpecificationException($"parameter {name} is not a parameter of {label} ({known})");
            }

            if (!given.TryAdd(name, assignment[(equals + 1)..]))
            {
                throw new SpecificationException($"parameter {name} is given twice");
            }
        }

        return given;
    }

    /// <summary>Runs <paramref name="read"/>, turning the protocol library's format errors into errors about <paramref name="what"/>.</summary>
    private static T Guard<T>(string what, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new SpecificationException(what == "when" ? $"when: {e.Message}" : $"parameter {what}: {e.Message}");
        }
    }
}
