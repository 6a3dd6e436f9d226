using System.Text.RegularExpressions;

namespace Mplane.Warehouse.Sql;

/// <summary>
/// A validated SQL identifier (schema, table or column name): lower-case letters, digits and
/// underscores, starting with a letter or underscore, at most 63 bytes. Only such names reach SQL,
/// and always quoted; anything else is refused with the offending name in the message.
/// </summary>
public readonly partial record struct Identifier
{
    private Identifier(string name) => Name = name;

    /// <summary>The name as given.</summary>
    public string Name { get; }

    /// <summary>The name quoted for SQL.</summary>
    public string Quoted => "\"" + Name + "\"";

    /// <summary>Validates <paramref name="name"/>; <paramref name="what"/> says what it names, for the message.</summary>
    /// <exception cref="ArgumentException">The name is not a plain lower-case identifier.</exception>
    public static Identifier Of(string name, string what = "identifier")
    {
        if (!IsValid(name))
        {
            throw new ArgumentException(
                $"{what} '{name}' is not allowed: use 1 to 63 lower-case letters, digits and underscores, starting with a letter or underscore");
        }

        return new Identifier(name);
    }

    /// <summary>Whether <paramref name="name"/> is a plain lower-case identifier.</summary>
    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    /// <summary>A column name from a log's header: lower-cased (PostgreSQL's own convention), then validated.</summary>
    public static Identifier Column(string headerName) => Of(headerName.ToLowerInvariant(), "column");

    /// <inheritdoc />
    public override string ToString() => Quoted;

    [GeneratedRegex(@"^[a-z_][a-z0-9_]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}

/// <summary>A schema-qualified table name.</summary>
/// <param name="Schema">The schema.</param>
/// <param name="Table">The table.</param>
public readonly record struct QualifiedName(Identifier Schema, Identifier Table)
{
    /// <summary>Parses <c>schema.table</c>, or <c>table</c> in <paramref name="defaultSchema"/>, validating both parts.</summary>
    /// <exception cref="ArgumentException">A part is not a plain identifier.</exception>
    public static QualifiedName Parse(string name, string defaultSchema = "public")
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0
            ? new QualifiedName(Identifier.Of(defaultSchema, "schema"), Identifier.Of(name, "table name"))
            : new QualifiedName(Identifier.Of(name[..dot], "schema"), Identifier.Of(name[(dot + 1)..], "table name"));
    }

    /// <summary>The name quoted for SQL: <c>"schema"."table"</c>.</summary>
    public string Quoted => $"{Schema.Quoted}.{Table.Quoted}";

    /// <inheritdoc />
    public override string ToString() => Quoted;
}
