namespace Mplane.LogFormats;

/// <summary>
/// The concrete layout of one input: its method, the separator, and the fields in file order. A Tstat
/// format comes from the file's header line; a MAWI format is fixed.
/// </summary>
public sealed class RecordFormat
{
    private readonly Dictionary<string, int> _byName;

    /// <summary>Creates a format.</summary>
    public RecordFormat(IRecordMethod method, string name, byte separator, IReadOnlyList<FieldDefinition> fields, string? header)
    {
        Method = method;
        Name = name;
        Separator = separator;
        Fields = fields;
        Header = header;
        _byName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < fields.Count; i++)
        {
            _byName.TryAdd(fields[i].Name, i);
        }
    }

    /// <summary>The method that read it.</summary>
    public IRecordMethod Method { get; }

    /// <summary>A short name: the log's kind (<c>log_tcp_complete</c>) or the method's.</summary>
    public string Name { get; }

    /// <summary>The byte between fields: exactly one separates two fields, so two in a row enclose an empty field.</summary>
    public byte Separator { get; }

    /// <summary>The fields in file order.</summary>
    public IReadOnlyList<FieldDefinition> Fields { get; }

    /// <summary>The header line that defined the format, or null for formats without one.</summary>
    public string? Header { get; }

    /// <summary>How many fields every record has.</summary>
    public int FieldCount => Fields.Count;

    /// <summary>The position of a field (names match case-insensitively), or -1 when the format lacks it.</summary>
    public int IndexOf(string name) => _byName.TryGetValue(name, out var index) ? index : -1;

    /// <summary>
    /// The field's definition from this format or, when the format lacks it, from the method's
    /// dictionary (such a field reads as null); null when nobody knows the name.
    /// </summary>
    public FieldDefinition? Resolve(string name)
    {
        var index = IndexOf(name);
        return index >= 0 ? Fields[index] : Method.Dictionary.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Every field name a filter on this format may use: the format's and the method's dictionary.</summary>
    public IEnumerable<string> KnownNames => Fields.Select(f => f.Name).Concat(Method.Dictionary.Select(f => f.Name)).Distinct(StringComparer.OrdinalIgnoreCase);
}
