namespace Mplane.Generators.Tstat;

/// <summary>
/// What one endpoint of a TCP flow sent, in the terms of Tstat's per-direction columns. Times are
/// nanoseconds (written as milliseconds with six decimals).
/// </summary>
public struct HalfFlow
{
#pragma warning disable CS1591 // The names are Tstat's column names without the c_/s_ prefix (see TcpCompleteColumns).
    public int PktsAll, RstCnt, AckCnt, AckCntP, PktsData, PktsRetx, PktsOoo, SynCnt, FinCnt;
    public long BytesUniq, BytesAll, BytesRetx;
    public long RttAvgNs, RttMinNs, RttMaxNs, RttStdNs;
    public int RttCnt, TtlMin, TtlMax;
    public bool F1323, Timestamps, SackOpt;
    public int WinScale, SackCnt, Mss, MssMax, MssMin, Win0, CwinMax, CwinMin, CwinIni;
    public long WinMax, WinMin;
    public int PktsRto, PktsFs, PktsReor, PktsDup, PktsUnk, PktsFc, PktsUnrto, PktsUnfs, SynRetx;
    public int PktsPush, Spdy;
    public long FirstNs, LastNs, FirstAckNs, LastHandshakeNs, AppDataNs, AppDataBytes;
#pragma warning restore CS1591
}

/// <summary>
/// One TCP flow as a <c>log_tcp_complete</c> line describes it. A generator fills an instance and
/// the writer prints it; the instance is reused from line to line.
/// </summary>
public sealed class TcpFlow
{
#pragma warning disable CS1591 // Fields mirror Tstat's columns; see TcpCompleteColumns for their meaning.
    public uint ClientIp, ServerIp;
    public int ClientPort, ServerPort;
    public bool ClientInternal, ServerInternal;
    public HalfFlow Client, Server;

    /// <summary>Absolute time of the last segment, ns since the epoch.</summary>
    public long LastNs;
    public long DurationNs;
    public int ConnectionType, HttpType;
    public int HttpRequests, HttpResponses;

    /// <summary>The first HTTP response code, or <c>---</c> for a non-HTTP flow.</summary>
    public string HttpResponse = "---";

    /// <summary>TLS server name, or null for none (written as <c>-</c>).</summary>
    public string? Sni;

    /// <summary>Subject CN of the server certificate, or null.</summary>
    public string? CertificateName;

    /// <summary>Server name from the DNS cache; empty when unknown (written as an empty field).</summary>
    public string Fqdn = string.Empty;

    /// <summary>Resolver that answered, 0 when unknown (written as <c>-</c>).</summary>
    public uint DnsResolver;
    public long DnsRequestNs, DnsResponseNs;
#pragma warning restore CS1591

    /// <summary>Absolute time of the first segment.</summary>
    public long FirstNs => LastNs - DurationNs;

    /// <summary>Clears every field before a new flow is described.</summary>
    public void Reset()
    {
        Client = default;
        Server = default;
        ClientInternal = ServerInternal = false;
        ConnectionType = HttpType = HttpRequests = HttpResponses = 0;
        HttpResponse = "---";
        Sni = CertificateName = null;
        Fqdn = string.Empty;
        DnsResolver = 0;
        DnsRequestNs = DnsResponseNs = 0;
    }
}
