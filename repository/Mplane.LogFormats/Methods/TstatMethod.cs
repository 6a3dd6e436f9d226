using System.Text;
using Mplane.LogFormats.Tstat;

namespace Mplane.LogFormats.Methods;

/// <summary>
/// Tstat's text logs: a header names the columns (<c>#15#c_ip:1 c_port:2 ...</c> or
/// <c>#c_ip:1 ...</c>), fields are separated by exactly one space. Names known from the
/// <c>log_tcp_complete</c> dictionary are typed; others are text. Names are counted, not their
/// numbers trusted (the <c>log_video_complete</c> header numbers two columns 90).
/// </summary>
public sealed class TstatMethod : IRecordMethod
{
    private readonly Dictionary<string, FieldDefinition> _known =
        TcpCompleteColumns.All.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public string Name => "tstat";

    /// <inheritdoc />
    public string Description => "Tstat text logs (log_tcp_complete, log_udp_complete, log_video_complete, ...), columns named by the header line";

    /// <inheritdoc />
    public IReadOnlyList<FieldDefinition> Dictionary => TcpCompleteColumns.All;

    /// <inheritdoc />
    public bool Recognises(ReadOnlySpan<byte> firstLine)
    {
        if (firstLine.Length < 4 || firstLine[0] != (byte)'#')
        {
            return false;
        }

        var names = HeaderNames(firstLine);
        var space = names.IndexOf((byte)' ');
        var first = space < 0 ? names : names[..space];
        return first.EndsWith(":1"u8);
    }

    /// <inheritdoc />
    public RecordFormat CreateFormat(ReadOnlySpan<byte> firstLine, string source, out bool consumesLine)
    {
        if (!Recognises(firstLine))
        {
            throw new LogFormatException($"{source}:1: not a Tstat header: expected '#name:1 name:2 ...' or '#15#name:1 ...'");
        }

        var fields = new List<FieldDefinition>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var token in Encoding.UTF8.GetString(HeaderNames(firstLine)).Split(' '))
        {
            var colon = token.LastIndexOf(':');
            var name = colon > 0 ? token[..colon] : token;
            if (name.Length == 0 || !seen.Add(name))
            {
                throw new LogFormatException($"{source}:1: Tstat header names column {fields.Count + 1} '{token}', which is empty or repeated");
            }

            fields.Add(_known.TryGetValue(name, out var known) ? known : FieldDefinition.Unknown(name));
        }

        consumesLine = true;
        var header = Encoding.UTF8.GetString(firstLine);
        return new RecordFormat(this, GuessLogName(fields), (byte)' ', fields, header);
    }

    /// <summary>The part after <c>#</c> or <c>#15#</c>.</summary>
    private static ReadOnlySpan<byte> HeaderNames(ReadOnlySpan<byte> line)
    {
        var rest = line[1..];
        var second = rest.IndexOf((byte)'#');
        return second >= 0 && second <= 3 ? rest[(second + 1)..] : rest;
    }

    private static string GuessLogName(List<FieldDefinition> fields)
    {
        var names = fields.Select(f => f.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (names.Contains("yt_id16") || names.Contains("flv_dur_tot"))
        {
            return "log_video_complete";
        }

        return names.Contains("c_pkts_all") && names.Contains("s_ack_cnt") ? TcpCompleteColumns.LogName : "tstat";
    }
}
