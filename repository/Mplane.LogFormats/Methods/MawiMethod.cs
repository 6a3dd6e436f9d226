using Mplane.LogFormats.Mawi;

namespace Mplane.LogFormats.Methods;

/// <summary>WIDE/MAWI flow summaries: no header, 13 tab-separated numeric columns.</summary>
public sealed class MawiMethod : IRecordMethod
{
    private readonly RecordFormat _format;

    /// <summary>Creates the method and its one format.</summary>
    public MawiMethod() => _format = new RecordFormat(this, "mawi_wide", (byte)'\t', MawiColumns.All, header: null);

    /// <inheritdoc />
    public string Name => "mawi";

    /// <inheritdoc />
    public string Description => "WIDE/MAWI flow summaries (mawi_wide): 13 tab-separated columns, addresses as unsigned 32-bit decimals";

    /// <inheritdoc />
    public IReadOnlyList<FieldDefinition> Dictionary => MawiColumns.All;

    /// <inheritdoc />
    public bool Recognises(ReadOnlySpan<byte> firstLine)
    {
        if (firstLine.Count((byte)'\t') != MawiColumns.All.Count - 1)
        {
            return false;
        }

        foreach (var b in firstLine)
        {
            if (b != (byte)'\t' && (uint)(b - '0') > 9)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public RecordFormat CreateFormat(ReadOnlySpan<byte> firstLine, string source, out bool consumesLine)
    {
        consumesLine = false;
        return _format;
    }
}
