using Mplane.Generators.Text;
using Mplane.LogFormats.Tstat;

namespace Mplane.Generators.Tstat;

/// <summary>Prints <see cref="TcpFlow"/>s as <c>log_tcp_complete</c> lines at level 15 (130 columns).</summary>
public static class TcpCompleteWriter
{
    /// <summary>The header line (without newline): <c>#15#c_ip:1 c_port:2 ... res_tm:130</c>.</summary>
    public static string Header { get; } =
        $"#{TcpCompleteColumns.FullLevel:D2}#" + string.Join(' ', TcpCompleteColumns.All.Select((c, i) => $"{c.Name}:{i + 1}"));

    /// <summary>Writes one line, newline included.</summary>
    public static void WriteLine(AsciiWriter w, TcpFlow f)
    {
        // Core: columns 1-44.
        w.WriteIPv4(f.ClientIp); Sep(w); Int(w, f.ClientPort);
        Counters(w, f.Client);
        Sep(w); w.WriteIPv4(f.ServerIp); Sep(w); Int(w, f.ServerPort);
        Counters(w, f.Server);
        Sep(w); w.WriteMillis(f.FirstNs); Sep(w); w.WriteMillis(f.LastNs); Sep(w); w.WriteMillis(f.DurationNs);
        Ms(w, f.Client.FirstNs); Ms(w, f.Server.FirstNs); Ms(w, f.Client.LastNs); Ms(w, f.Server.LastNs);
        Ms(w, f.Client.FirstAckNs); Ms(w, f.Server.FirstAckNs);
        Sep(w); Flag(w, f.ClientInternal); Sep(w); Flag(w, f.ServerInternal);
        Sep(w); Flag(w, false); Sep(w); Flag(w, false); // c_iscrypto, s_iscrypto: addresses are not anonymised
        Sep(w); Int(w, f.ConnectionType); Sep(w); Int(w, 0); Sep(w); Int(w, f.HttpType);

        // End-to-end: 45-58.
        Rtt(w, f.Client);
        Rtt(w, f.Server);

        // P2P: 59-64 (p2p_st and the eDonkey counters); this traffic has none.
        for (var i = 0; i < 6; i++)
        {
            Sep(w); Int(w, 0);
        }

        // Options: 65-110.
        Options(w, f.Client);
        Options(w, f.Server);

        // Layer 7: 111-130.
        Sep(w); Int(w, f.HttpRequests); Sep(w); Int(w, f.HttpResponses); Sep(w); w.Write(f.HttpResponse);
        Sep(w); Int(w, f.Client.PktsPush); Sep(w); Int(w, f.Server.PktsPush);
        Sep(w); TextOrDash(w, f.Sni); Sep(w); TextOrDash(w, f.CertificateName);
        Sep(w); Int(w, f.Client.Spdy); Sep(w); Int(w, f.Server.Spdy);
        Ms(w, f.Client.LastHandshakeNs); Ms(w, f.Server.LastHandshakeNs);
        Ms(w, f.Client.AppDataNs); Ms(w, f.Server.AppDataNs);
        Sep(w); w.Write(f.Client.AppDataBytes); Sep(w); w.Write(f.Server.AppDataBytes);
        Sep(w); w.Write((byte)'-'); // dropbox_id: needs a Tstat build with Dropbox support
        Sep(w); w.Write(f.Fqdn); // empty when unknown: two spaces in a row, as Tstat writes it
        if (f.DnsResolver == 0)
        {
            Sep(w); w.Write((byte)'-'); Sep(w); w.Write((byte)'-'); Sep(w); w.Write((byte)'-');
        }
        else
        {
            Sep(w); w.WriteIPv4(f.DnsResolver); Sep(w); w.WriteMillis(f.DnsRequestNs); Sep(w); w.WriteMillis(f.DnsResponseNs);
        }

        w.Write((byte)'\n');
    }

    private static void Counters(AsciiWriter w, in HalfFlow h)
    {
        Sep(w); Int(w, h.PktsAll); Sep(w); Int(w, h.RstCnt); Sep(w); Int(w, h.AckCnt); Sep(w); Int(w, h.AckCntP);
        Sep(w); w.Write(h.BytesUniq); Sep(w); Int(w, h.PktsData); Sep(w); w.Write(h.BytesAll);
        Sep(w); Int(w, h.PktsRetx); Sep(w); w.Write(h.BytesRetx); Sep(w); Int(w, h.PktsOoo);
        Sep(w); Int(w, h.SynCnt); Sep(w); Int(w, h.FinCnt);
    }

    private static void Rtt(AsciiWriter w, in HalfFlow h)
    {
        Ms(w, h.RttAvgNs); Ms(w, h.RttMinNs); Ms(w, h.RttMaxNs); Ms(w, h.RttStdNs);
        Sep(w); Int(w, h.RttCnt); Sep(w); Int(w, h.TtlMin); Sep(w); Int(w, h.TtlMax);
    }

    private static void Options(AsciiWriter w, in HalfFlow h)
    {
        Sep(w); Flag(w, h.F1323); Sep(w); Flag(w, h.Timestamps); Sep(w); Int(w, h.WinScale);
        Sep(w); Flag(w, h.SackOpt); Sep(w); Int(w, h.SackCnt);
        Sep(w); Int(w, h.Mss); Sep(w); Int(w, h.MssMax); Sep(w); Int(w, h.MssMin);
        Sep(w); w.Write(h.WinMax); Sep(w); w.Write(h.WinMin); Sep(w); Int(w, h.Win0);
        Sep(w); Int(w, h.CwinMax); Sep(w); Int(w, h.CwinMin); Sep(w); Int(w, h.CwinIni);
        Sep(w); Int(w, h.PktsRto); Sep(w); Int(w, h.PktsFs); Sep(w); Int(w, h.PktsReor); Sep(w); Int(w, h.PktsDup);
        Sep(w); Int(w, h.PktsUnk); Sep(w); Int(w, h.PktsFc); Sep(w); Int(w, h.PktsUnrto); Sep(w); Int(w, h.PktsUnfs);
        Sep(w); Int(w, h.SynRetx);
    }

    private static void Sep(AsciiWriter w) => w.Write((byte)' ');

    private static void Int(AsciiWriter w, long value) => w.Write(value);

    private static void Flag(AsciiWriter w, bool value) => w.Write(value ? (byte)'1' : (byte)'0');

    private static void Ms(AsciiWriter w, long nanoseconds)
    {
        Sep(w);
        w.WriteMillis(nanoseconds);
    }

    private static void TextOrDash(AsciiWriter w, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            w.Write((byte)'-');
        }
        else
        {
            w.Write(text);
        }
    }
}
