using System.Security.Cryptography;
using System.Text;

namespace Mplane.Protocol.Tokens;

/// <summary>
/// The reference implementation's hashes, byte for byte: lower-case hex MD5 of a UTF-8 preimage in
/// which names are sorted ordinally and joined with single spaces. The schema hash matches a
/// specification to a service; the pv hash is a specification's default token; the mpcv hash is a
/// capability's token (and that of results and receipts that carry none). MD5 is the reference's
/// choice for identifiers here, not a security measure.
/// </summary>
public static class StatementHashes
{
    /// <summary><c>R + " p " + params + " r " + results</c>.</summary>
    public static string Schema(string registry, IEnumerable<string> parameters, IEnumerable<string> results) =>
        Md5($"{registry} p {Join(Sorted(parameters))} r {Join(Sorted(results))}");

    /// <summary><c>R + V + " w " + W + " pk " + params + " pv " + values + " r " + results</c> (no space between R and V).</summary>
    /// <param name="registry">The registry URI.</param>
    /// <param name="verb">The verb.</param>
    /// <param name="when">The temporal scope, as written.</param>
    /// <param name="parameterValues">Parameter name to value text (<c>*</c> when unset).</param>
    /// <param name="results">Result column names.</param>
    /// <param name="suffix">Appended to the preimage (the reference's client appends the evaluated times of a relative scope).</param>
    public static string Pv(string registry, string verb, string when, IReadOnlyDictionary<string, string> parameterValues, IEnumerable<string> results, string suffix = "")
    {
        var names = Sorted(parameterValues.Keys);
        return Md5($"{registry}{verb} w {when} pk {Join(names)} pv {Join(names.Select(n => parameterValues[n]))} r {Join(Sorted(results))}{suffix}");
    }

    /// <summary>The capability token: parameters with constraints and values, metadata, results and the export URL (<c>None</c> when absent).</summary>
    public static string Mpcv(
        string registry, string verb, string when, IReadOnlyDictionary<string, (string Constraint, string Value)> parameters,
        IReadOnlyDictionary<string, string> metadata, IEnumerable<string> results, string? export = null)
    {
        var names = Sorted(parameters.Keys);
        var metadataNames = Sorted(metadata.Keys);
        return Md5(
            $"{registry}{verb} w {when} pk {Join(names)} pc {Join(names.Select(n => parameters[n].Constraint))} pv {Join(names.Select(n => parameters[n].Value))}" +
            $" mk {Join(metadataNames)} mv {Join(metadataNames.Select(n => metadata[n]))} r {Join(Sorted(results))} ex {export ?? "None"}");
    }

    private static List<string> Sorted(IEnumerable<string> names) => [.. names.Order(StringComparer.Ordinal)];

    private static string Join(IEnumerable<string> items) => string.Join(' ', items);

    private static string Md5(string preimage) =>
#pragma warning disable CA5351 // the reference's identifiers are MD5; nothing here relies on it for security
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(preimage)));
#pragma warning restore CA5351
}
