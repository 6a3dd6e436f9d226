using System.Globalization;
using Microsoft.AspNetCore.Http;
using Mplane.Warehouse.Sql;

namespace Mplane.Host.Dashboard;

/// <summary>
/// Reads the dashboard API's query parameters. Everything is checked here, before any connection is
/// opened: a name that is not a plain identifier never reaches the database, not even as a parameter,
/// and each refusal is a <see cref="BadParameterException"/> naming the parameter.
/// </summary>
internal sealed class QueryParameters(IQueryCollection query)
{
    /// <summary>The parameter's single value, or null when it is absent or empty.</summary>
    public string? Text(string name)
    {
        var values = query[name];
        if (values.Count > 1)
        {
            // Which of two values counts is a guess the API does not make.
            throw new BadParameterException(name, "is given more than once");
        }

        return values.Count == 1 && values[0] is { Length: > 0 } text ? text : null;
    }

    /// <summary>The parameter's value; refused when absent.</summary>
    public string Required(string name) => Text(name) ?? throw new BadParameterException(name, "is required");

    /// <summary>An ISO-8601 time (UTC when no offset is given), or null when absent.</summary>
    public DateTimeOffset? Instant(string name) => Text(name) is not { } text
        ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw new BadParameterException(name, $"'{text}' is not an ISO-8601 time");

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="fallback"/> when absent.</summary>
    public int Integer(string name, int fallback, int min, int max) => Text(name) is not { } text
        ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new BadParameterException(name, $"'{text}' is not a whole number from {min} to {max}");

    /// <summary>A table name, <c>table</c> (in <c>public</c>) or <c>schema.table</c>, validated as identifiers.</summary>
    public QualifiedName Table(string name)
    {
        var text = Required(name);
        try
        {
            return QualifiedName.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new BadParameterException(name, e.Message);
        }
    }

    /// <summary>A column name, validated as an identifier.</summary>
    public Identifier Column(string name) => ValidColumn(name, Required(name));

    /// <summary>A comma-separated list of distinct column names, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<Identifier> Columns(string name, int max)
    {
        var parts = Required(name).Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length > max)
        {
            throw new BadParameterException(name, $"at most {max} columns, not {parts.Length}");
        }

        var columns = parts.Select(part => ValidColumn(name, part)).ToList();
        return columns.Distinct().Count() == columns.Count
            ? columns
            : throw new BadParameterException(name, "names a column more than once");
    }

    /// <summary>One of <paramref name="allowed"/> (compared exactly), or <paramref name="fallback"/> when absent.</summary>
    public string Choice(string name, string fallback, IReadOnlyCollection<string> allowed) => Text(name) is not { } text
        ? fallback
        : allowed.Contains(text)
            ? text
            : throw new BadParameterException(name, $"'{text}' is not one of {string.Join(", ", allowed)}");

    private static Identifier ValidColumn(string parameter, string text)
    {
        try
        {
            return Identifier.Of(text, "column");
        }
        catch (ArgumentException e)
        {
            throw new BadParameterException(parameter, e.Message);
        }
    }
}
