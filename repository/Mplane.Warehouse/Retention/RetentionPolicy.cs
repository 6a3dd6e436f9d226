using Mplane.Configuration;
using Mplane.Warehouse.Sql;
using Mplane.Warehouse.Tables;

namespace Mplane.Warehouse.Retention;

/// <summary>
/// How much of a continuous table to keep: whole oldest partitions are dropped when they are older
/// than <see cref="MaxAge"/> (measured from the table's newest data) or while the table is larger
/// than <see cref="MaxBytes"/>.
/// </summary>
/// <param name="Table">The table.</param>
/// <param name="MaxAge">The age limit, or null.</param>
/// <param name="MaxBytes">The size quota in bytes, or null.</param>
public sealed record RetentionPolicy(QualifiedName Table, TimeSpan? MaxAge, long? MaxBytes)
{
    /// <summary>Validates the <c>retention</c> section of the configuration; every problem names the file and key.</summary>
    public static IReadOnlyList<RetentionPolicy> FromConfiguration(IReadOnlyList<RetentionSection> sections, string source)
    {
        var policies = new List<RetentionPolicy>();
        for (var i = 0; i < sections.Count; i++)
        {
            var section = sections[i];
            var key = $"retention[{i}]";
            QualifiedName table;
            try
            {
                var text = section.Table ?? throw new ArgumentException("a retention rule needs a table");
                var dot = text.IndexOf('.', StringComparison.Ordinal);
                table = new QualifiedName(Identifier.Of(dot < 0 ? "public" : text[..dot], "schema"), ContinuousTables.TableName(dot < 0 ? text : text[(dot + 1)..]));
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException(source, $"{key}.table", e.Message);
            }

            TimeSpan? age = null;
            if (section.MaxAge is { } ageText)
            {
                age = Spans.TryParse(ageText, out var parsed) && parsed > TimeSpan.Zero
                    ? parsed
                    : throw new ConfigurationException(source, $"{key}.max_age", $"'{ageText}' is not a positive duration such as 30d or 12h");
            }

            long? bytes = section.MaxSize is { } sizeText ? Sizes.Parse(sizeText, source, $"{key}.max_size") : null;
            if (age is null && bytes is null)
            {
                throw new ConfigurationException(source, key, "a retention rule needs max_age, max_size or both");
            }

            policies.Add(new RetentionPolicy(table, age, bytes));
        }

        return policies;
    }
}
