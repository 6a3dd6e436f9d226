using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Mplane.Host.Tests;

/// <summary>One sample of an exposition: its name, labels and value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A strict parser of Prometheus's text exposition format (0.0.4), so that the tests check the format
/// itself rather than trusting the library that wrote it: every line is <c># HELP name text</c>,
/// <c># TYPE name kind</c> or a sample <c>name{label="value",...} number</c>; names and label names
/// are valid, label values and help texts use only the format's escapes, every sample's family is
/// typed before its first sample, a family's samples are together, and no series appears twice.
/// </summary>
internal sealed partial class PrometheusText
{
    private static readonly HashSet<string> Kinds = ["counter", "gauge", "histogram", "summary", "untyped"];

    private PrometheusText()
    {
    }

    /// <summary>The TYPE of each family.</summary>
    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);

    /// <summary>The HELP of each family, unescaped.</summary>
    public Dictionary<string, string> Help { get; } = new(StringComparer.Ordinal);

    /// <summary>The samples in order.</summary>
    public List<PrometheusSample> Samples { get; } = [];

    /// <summary>The value of the one sample named <paramref name="name"/> with exactly <paramref name="labels"/> (name, value pairs), or null.</summary>
    public double? Value(string name, params (string Name, string Value)[] labels) =>
        Samples.SingleOrDefault(s => s.Name == name && s.Labels.Count == labels.Length && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value))?.Value;

    /// <summary>Parses <paramref name="text"/>; any departure from the format throws, naming the line.</summary>
    public static PrometheusText Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("the exposition does not end with a line feed");
        }

        var parsed = new PrometheusText();
        var series = new HashSet<string>(StringComparer.Ordinal);
        var finished = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length - 1; i++)
        {
            var line = lines[i];
            try
            {
                if (line.StartsWith('#'))
                {
                    parsed.Comment(line);
                    continue;
                }

                var sample = ParseSample(line);
                var family = parsed.FamilyOf(sample.Name) ?? throw new FormatException($"{sample.Name} has no TYPE before it");
                if (family != current)
                {
                    if (current is not null)
                    {
                        finished.Add(current);
                    }

                    if (finished.Contains(family))
                    {
                        throw new FormatException($"the samples of {family} are not together");
                    }

                    current = family;
                }

                var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
                if (!series.Add(key))
                {
                    throw new FormatException($"duplicate series {key}");
                }

                parsed.Samples.Add(sample);
            }
            catch (FormatException e)
            {
                throw new FormatException($"line {i + 1} '{line}': {e.Message}", e);
            }
            catch (IndexOutOfRangeException e)
            {
                throw new FormatException($"line {i + 1} '{line}' ends early", e);
            }
        }

        return parsed;
    }

    private void Comment(string line)
    {
        var help = HelpLine().Match(line);
        if (help.Success)
        {
            var name = help.Groups[1].Value;
            if (!Help.TryAdd(name, Unescape(help.Groups[2].Value)))
            {
                throw new FormatException($"a second HELP for {name}");
            }

            return;
        }

        var type = TypeLine().Match(line);
        if (!type.Success || !Kinds.Contains(type.Groups[2].Value))
        {
            throw new FormatException("a comment that is neither HELP nor TYPE");
        }

        if (Samples.Any(s => FamilyOf(s.Name) == type.Groups[1].Value) || !Types.TryAdd(type.Groups[1].Value, type.Groups[2].Value))
        {
            throw new FormatException($"TYPE of {type.Groups[1].Value} after its samples or twice");
        }
    }

    private string? FamilyOf(string sample)
    {
        if (Types.ContainsKey(sample))
        {
            return sample;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && Types.TryGetValue(sample[..^suffix.Length], out var kind) && kind is "histogram" or "summary")
            {
                return suffix == "_bucket" && kind != "histogram" ? null : sample[..^suffix.Length];
            }
        }

        return null;
    }

    private static PrometheusSample ParseSample(string line)
    {
        var name = NamePattern().Match(line);
        if (!name.Success)
        {
            throw new FormatException("no metric name");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var at = name.Length;
        if (at < line.Length && line[at] == '{')
        {
            at++;
            while (line[at] != '}')
            {
                var label = LabelNamePattern().Match(line, at);
                if (!label.Success || label.Index != at)
                {
                    throw new FormatException($"a bad label name at column {at + 1}");
                }

                at += label.Length;
                if (!line.AsSpan(at).StartsWith("=\""))
                {
                    throw new FormatException($"no =\" after label {label.Value}");
                }

                at += 2;
                var value = new StringBuilder();
                while (line[at] != '"')
                {
                    if (line[at] == '\\')
                    {
                        value.Append(line[at + 1] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            var other => throw new FormatException($"the escape \\{other} in a label value"),
                        });
                        at += 2;
                    }
                    else
                    {
                        value.Append(line[at++]);
                    }
                }

                at++;
                if (!labels.TryAdd(label.Value, value.ToString()))
                {
                    throw new FormatException($"label {label.Value} twice");
                }

                if (line[at] == ',')
                {
                    at++;
                }
                else if (line[at] != '}')
                {
                    throw new FormatException($"no , or }} after label {label.Value}");
                }
            }

            at++;
        }

        if (at >= line.Length || line[at] != ' ')
        {
            throw new FormatException("no space before the value");
        }

        var parts = line[(at + 1)..].Split(' ');
        if (parts.Length > 2 || (parts.Length == 2 && !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException("more than a value and a timestamp");
        }

        var number = parts[0] switch
        {
            "NaN" => double.NaN,
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            var text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
            var text => throw new FormatException($"'{text}' is not a number"),
        };
        return new PrometheusSample(name.Value, labels, number);
    }

    private static string Unescape(string text)
    {
        var result = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                result.Append(text[i]);
                continue;
            }

            result.Append(i + 1 < text.Length ? text[++i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                var other => throw new FormatException($"the escape \\{other} in a help text"),
            } : throw new FormatException("a help text ends in a backslash"));
        }

        return result.ToString();
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex NamePattern();

    [GeneratedRegex("[a-zA-Z_][a-zA-Z0-9_]*")]
    private static partial Regex LabelNamePattern();

    [GeneratedRegex("^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$")]
    private static partial Regex HelpLine();

    [GeneratedRegex("^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) ([a-z]+)$")]
    private static partial Regex TypeLine();
}
