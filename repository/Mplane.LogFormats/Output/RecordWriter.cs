using System.Globalization;
using System.Text;
using Mplane.LogFormats.Reading;
using Mplane.LogFormats.Scanning;

namespace Mplane.LogFormats.Output;

/// <summary>Writes selected fields of records in one of the <see cref="OutputFormat"/>s.</summary>
public sealed class RecordWriter(TextWriter output, OutputFormat format, IReadOnlyList<string>? select)
{
    private RecordFormat? _format;
    private int[] _indexes = [];
    private FieldDefinition[] _fields = [];
    private bool _headerWritten;

    /// <summary>Writes one record (and, before the first, the header row of CSV and TSV).</summary>
    public void Write(RecordCursor record)
    {
        if (!ReferenceEquals(record.Format, _format))
        {
            Bind(record.Format);
        }

        var line = new StringBuilder();
        for (var i = 0; i < _indexes.Length; i++)
        {
            var index = _indexes[i];
            var value = record.GetDisplayString(index);
            switch (format)
            {
                case OutputFormat.Text:
                    Separate(line, i, ' ').Append(value ?? (index < 0 ? "-" : Encoding.UTF8.GetString(record.Field(index))));
                    break;
                case OutputFormat.Csv:
                    Separate(line, i, ',').Append(Csv(value));
                    break;
                case OutputFormat.Tsv:
                    Separate(line, i, '\t').Append(value?.Replace('\t', ' ') ?? string.Empty);
                    break;
                case OutputFormat.Json:
                    line.Append(i == 0 ? "{" : ",").Append(Json(_fields[i].Name)).Append(':').Append(JsonValue(value, _fields[i]));
                    break;
            }
        }

        if (format == OutputFormat.Json)
        {
            line.Append('}');
        }

        output.WriteLine(line.ToString());
    }

    /// <summary>Writes the group counts, most frequent first.</summary>
    public void WriteGroups(string field, IEnumerable<KeyValuePair<string, long>> groups)
    {
        if (format is OutputFormat.Csv or OutputFormat.Tsv)
        {
            var separator = format == OutputFormat.Csv ? "," : "\t";
            output.WriteLine($"{field}{separator}count");
            foreach (var (key, count) in groups)
            {
                output.WriteLine($"{(format == OutputFormat.Csv ? Csv(key) : key)}{separator}{count}");
            }

            return;
        }

        foreach (var (key, count) in groups)
        {
            output.WriteLine(format == OutputFormat.Json
                ? $"{{{Json(field)}:{Json(key)},\"count\":{count.ToString(CultureInfo.InvariantCulture)}}}"
                : $"{key} {count.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private void Bind(RecordFormat recordFormat)
    {
        _format = recordFormat;
        var names = select ?? recordFormat.Fields.Select(f => f.Name).ToList();
        _indexes = names.Select(recordFormat.IndexOf).ToArray();
        _fields = names.Select(n => recordFormat.Resolve(n) ?? FieldDefinition.Unknown(n)).ToArray();
        if (!_headerWritten && format is OutputFormat.Csv or OutputFormat.Tsv)
        {
            output.WriteLine(string.Join(format == OutputFormat.Csv ? ',' : '\t', _fields.Select(f => f.Name)));
            _headerWritten = true;
        }
    }

    private static StringBuilder Separate(StringBuilder line, int i, char separator) => i == 0 ? line : line.Append(separator);

    private static string Csv(string? value) =>
        value is null ? string.Empty
        : value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static string Json(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    private static string JsonValue(string? value, FieldDefinition field)
    {
        if (value is null)
        {
            return "null";
        }

        return field.Type.IsNumeric()
               && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? value
            : Json(value);
    }
}
