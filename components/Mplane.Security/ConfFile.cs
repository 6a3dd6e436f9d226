using System.Text;

namespace Mplane.Security;

/// <summary>
/// The reference implementation's INI <c>.conf</c> files, read as Python's <c>configparser</c> reads
/// them there: sections in brackets, keys case-sensitive, <c>=</c> or <c>:</c> between key and value,
/// whole-line <c>#</c> and <c>;</c> comments only (a <c>#</c> later in a line is part of the value),
/// indented continuation lines, <c>%%</c> for a percent sign, and the same key twice in a section an
/// error. Errors name the file and line.
/// </summary>
public sealed class ConfFile
{
    private readonly Dictionary<string, List<KeyValuePair<string, string>>> _sections = new(StringComparer.Ordinal);

    private ConfFile(string source) => Source = source;

    /// <summary>The file (or source) read.</summary>
    public string Source { get; }

    /// <summary>Section names, in file order.</summary>
    public IEnumerable<string> Sections => _sections.Keys;

    /// <summary>Reads a file.</summary>
    /// <exception cref="FormatException">A syntax error; the message names the file and line.</exception>
    public static ConfFile Read(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses conf text; <paramref name="source"/> names it in errors.</summary>
    public static ConfFile Parse(string text, string source)
    {
        var conf = new ConfFile(source);
        List<KeyValuePair<string, string>>? section = null;
        string? lastKey = null;
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var number = i + 1;
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] is '#' or ';')
            {
                continue;
            }

            if (char.IsWhiteSpace(line[0]) && lastKey is not null && section is not null)
            {
                var index = section.FindLastIndex(p => p.Key == lastKey);
                section[index] = KeyValuePair.Create(lastKey, section[index].Value + "\n" + Unescape(trimmed, source, number));
                continue;
            }

            if (trimmed[0] == '[')
            {
                if (!trimmed.EndsWith(']'))
                {
                    throw new FormatException($"{source}:{number}: a section header is [name]");
                }

                var name = trimmed[1..^1];
                if (conf._sections.ContainsKey(name))
                {
                    throw new FormatException($"{source}:{number}: section [{name}] appears twice");
                }

                section = conf._sections[name] = [];
                lastKey = null;
                continue;
            }

            var separator = trimmed.IndexOfAny(['=', ':']);
            if (separator <= 0)
            {
                throw new FormatException($"{source}:{number}: expected 'key = value' or 'key: value'");
            }

            if (section is null)
            {
                throw new FormatException($"{source}:{number}: a key before any [section]");
            }

            var key = trimmed[..separator].TrimEnd();
            if (section.Any(p => p.Key == key))
            {
                throw new FormatException($"{source}:{number}: key '{key}' appears twice in its section");
            }

            section.Add(KeyValuePair.Create(key, Unescape(trimmed[(separator + 1)..].Trim(), source, number)));
            lastKey = key;
        }

        return conf;
    }

    /// <summary>The keys and values of <paramref name="section"/> in file order; empty when there is no such section.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Section(string section) =>
        _sections.TryGetValue(section, out var pairs) ? pairs : [];

    /// <summary>Whether <paramref name="section"/> exists.</summary>
    public bool Has(string section) => _sections.ContainsKey(section);

    /// <summary>The value of <paramref name="key"/> in <paramref name="section"/>, or null.</summary>
    public string? Get(string section, string key) =>
        Section(section).Where(p => p.Key == key).Select(p => p.Value).FirstOrDefault();

    /// <summary>The access policy of the file's <c>[Roles]</c> and <c>[Authorizations]</c>.</summary>
    public AccessPolicy AccessPolicy() => new(
        Section("Roles").Select(p => KeyValuePair.Create(p.Key, Security.AccessPolicy.SplitRoles(p.Value))),
        Section("Authorizations").Select(p => KeyValuePair.Create(p.Key, Security.AccessPolicy.SplitRoles(p.Value))));

    private static string Unescape(string value, string source, int line)
    {
        // Basic interpolation: %% is a percent sign; %(name)s references are not supported, a lone % is an error.
        var text = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '%')
            {
                text.Append(value[i]);
            }
            else if (i + 1 < value.Length && value[i + 1] == '%')
            {
                text.Append('%');
                i++;
            }
            else
            {
                throw new FormatException($"{source}:{line}: '%' must be written '%%' (interpolation is not supported)");
            }
        }

        return text.ToString();
    }
}
