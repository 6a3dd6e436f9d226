using System.Globalization;
using Mplane.Configuration;
using Mplane.LogFormats.Scanning;
using Mplane.Warehouse.Sql;
using Mplane.Warehouse.Tables;

namespace Mplane.Warehouse.Jobs;

/// <summary>
/// A job as written in YAML under <c>conf/jobs/</c>. <see cref="Load"/> validates it into a
/// <see cref="JobDefinition"/>; every problem names the file and the key.
/// </summary>
public sealed class JobFile
{
#pragma warning disable CS1591 // The YAML keys; see conf/jobs/README.md.
    public string? Name { get; set; }
    public string? Description { get; set; }
    public int Priority { get; set; }
    public string? Start { get; set; }
    public OutputSection? Output { get; set; }
    public List<InputSection>? Inputs { get; set; }
    public string? Query { get; set; }

    public sealed class OutputSection
    {
        public string? Table { get; set; }
        public string? Window { get; set; }
        public List<string>? Columns { get; set; }
        public List<string>? Indexes { get; set; }
    }

    public sealed class InputSection
    {
        public string? Table { get; set; }
        public string? Window { get; set; }
        public string? Delay { get; set; }
    }
#pragma warning restore CS1591

    /// <summary>Reads and validates every <c>*.yaml</c> file of <paramref name="directory"/>, in name order.</summary>
    public static IReadOnlyList<JobDefinition> LoadDirectory(string directory, string defaultSchema = "public")
    {
        if (!Directory.Exists(directory))
        {
            throw new ConfigurationException(directory, null, "the jobs folder does not exist");
        }

        var jobs = Directory.EnumerateFiles(directory, "*.yaml").Order(StringComparer.Ordinal).Select(f => Load(f, defaultSchema)).ToList();
        foreach (var duplicate in jobs.GroupBy(j => j.Name).Where(g => g.Count() > 1))
        {
            throw new ConfigurationException(directory, "name", $"two jobs are called '{duplicate.Key}'");
        }

        foreach (var duplicate in jobs.GroupBy(j => j.Output).Where(g => g.Count() > 1))
        {
            throw new ConfigurationException(directory, "output.table", $"jobs {string.Join(" and ", duplicate.Select(j => j.Name))} write the same table {duplicate.Key}");
        }

        return jobs;
    }

    /// <summary>Reads and validates one job file.</summary>
    public static JobDefinition Load(string path, string defaultSchema = "public") =>
        YamlConfigurationReader.Read<JobFile>(path).Validate(path, defaultSchema);

    /// <summary>Checks every key and builds the definition.</summary>
    public JobDefinition Validate(string source, string defaultSchema = "public")
    {
        ConfigurationException Error(string key, string problem) => new(source, key, problem);

        var name = Name ?? throw Error("name", "a job needs a name");
        if (!Identifier.IsValid(name))
        {
            throw Error("name", $"'{name}' is not allowed: use lower-case letters, digits and underscores");
        }

        var output = Output ?? throw Error("output", "a job needs an output section");
        var window = Span(output.Window, "output.window") ?? throw Error("output.window", "the output needs a window such as 5m");
        var outputTable = Table(output.Table ?? throw Error("output.table", "the output needs a table"), "output.table");

        var columns = new List<JobColumn>();
        foreach (var (text, i) in (output.Columns ?? []).Select((c, i) => (c.Trim(), i)))
        {
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var key = $"output.columns[{i}]";
            if (space <= 0)
            {
                throw Error(key, $"'{text}' is not 'name type'");
            }

            var type = string.Join(' ', text[(space + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
            if (!JobDefinition.AllowedTypes.Contains(type))
            {
                throw Error(key, $"type '{type}' is not one of {string.Join(", ", JobDefinition.AllowedTypes.Order(StringComparer.Ordinal))}");
            }

            columns.Add(new JobColumn(Wrap(() => Identifier.Of(text[..space], "column"), key), type));
        }

        if (columns.Count == 0)
        {
            throw Error("output.columns", "the output needs at least one column besides serial_time");
        }

        var inputs = (Inputs ?? []).Select((input, i) =>
        {
            var key = $"inputs[{i}]";
            var table = Table(input.Table ?? throw Error($"{key}.table", "an input needs a table"), $"{key}.table");
            var slice = Span(input.Window, $"{key}.window") ?? window;
            var delay = Span(input.Delay, $"{key}.delay") ?? TimeSpan.Zero;
            if (slice <= TimeSpan.Zero || delay < TimeSpan.Zero)
            {
                throw Error(key, "window must be positive and delay not negative");
            }

            return new JobInput(table, slice, delay);
        }).ToList();
        if (inputs.Count == 0)
        {
            throw Error("inputs", "a job needs at least one input (a job without inputs would race into the future)");
        }

        var query = Query?.Trim() is { Length: > 0 } q ? q : throw Error("query", "a job needs a query");
        foreach (var match in JobDefinition.Placeholder().Matches(query).Cast<System.Text.RegularExpressions.Match>())
        {
            if (match.Groups[1].Value.StartsWith("IN", StringComparison.Ordinal) &&
                int.Parse(match.Groups[1].Value[2..], CultureInfo.InvariantCulture) >= inputs.Count)
            {
                throw Error("query", $"{match.Value} names input {match.Groups[1].Value[2..]}, but the job has {inputs.Count} input(s)");
            }
        }

        DateTimeOffset? start = null;
        if (Start is not null)
        {
            if (!DateTimeOffset.TryParse(Start, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                throw Error("start", $"'{Start}' is not an ISO-8601 time");
            }

            start = new TableWindow(window).StartOf(parsed);
        }

        return new JobDefinition
        {
            Name = name,
            Description = Description ?? string.Empty,
            Inputs = inputs,
            Output = outputTable,
            Window = window,
            Columns = columns,
            Indexes = (output.Indexes ?? []).Select((c, i) => Wrap(() => Identifier.Of(c, "index column"), $"output.indexes[{i}]")).ToList(),
            Start = start,
            Priority = Priority,
            Query = query,
        };

        QualifiedName Table(string text, string key)
        {
            var dot = text.IndexOf('.', StringComparison.Ordinal);
            return Wrap(() => new QualifiedName(
                Identifier.Of(dot < 0 ? defaultSchema : text[..dot], "schema"),
                ContinuousTables.TableName(dot < 0 ? text : text[(dot + 1)..])), key);
        }

        TimeSpan? Span(string? text, string key)
        {
            if (text is null)
            {
                return null;
            }

            return Spans.TryParse(text, out var value) && value.Ticks % TimeSpan.TicksPerSecond == 0 && value >= TimeSpan.Zero
                ? value
                : throw Error(key, $"'{text}' is not a duration of whole seconds such as 5m or 1h");
        }

        T Wrap<T>(Func<T> make, string key)
        {
            try
            {
                return make();
            }
            catch (ArgumentException e)
            {
                throw Error(key, e.Message);
            }
        }
    }
}
