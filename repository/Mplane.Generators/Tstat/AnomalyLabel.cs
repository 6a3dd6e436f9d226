using System.Globalization;

namespace Mplane.Generators.Tstat;

/// <summary>One injected anomaly: what, when (start inclusive, end exclusive) and which key it concerns.</summary>
/// <param name="Kind">The kind of anomaly.</param>
/// <param name="Start">When it begins.</param>
/// <param name="End">When it ends (exclusive).</param>
/// <param name="Key">The address, subnet or domain at its centre.</param>
public sealed record AnomalyLabel(AnomalyKind Kind, DateTimeOffset Start, DateTimeOffset End, string Key)
{
    /// <summary>The label file's name in the output folder.</summary>
    public const string FileName = "labels.tsv";

    /// <summary>The label file's header line.</summary>
    public const string Header = "kind\tstart\tend\tkey";

    /// <summary>The label as a line of the label file.</summary>
    public string ToLine() => string.Join('\t', Kind.Name(), Iso(Start), Iso(End), Key);

    /// <summary>Reads a label file written by the generator.</summary>
    public static IReadOnlyList<AnomalyLabel> ReadFile(string path)
    {
        var labels = new List<AnomalyLabel>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (lineNumber == 1 || line.Length == 0)
            {
                continue;
            }

            var parts = line.Split('\t');
            if (parts.Length != 4 || AnomalyKinds.Parse(parts[0]) is not { } kind)
            {
                throw new FormatException($"{path}:{lineNumber}: expected 'kind<TAB>start<TAB>end<TAB>key', found '{line}'");
            }

            labels.Add(new AnomalyLabel(kind, ParseIso(parts[1]), ParseIso(parts[2]), parts[3]));
        }

        return labels;
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseIso(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
