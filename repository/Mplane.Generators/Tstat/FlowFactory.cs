namespace Mplane.Generators.Tstat;

/// <summary>
/// Fills <see cref="TcpFlow"/>s with plausible, mutually consistent values: packets follow bytes and
/// the MSS, acknowledgements follow the other side's data, relative times lie within the duration,
/// RTT minimum &lt;= average &lt;= maximum, TLS flows carry SNI and handshake times, HTTP flows a
/// response code.
/// </summary>
public sealed class FlowFactory(NetworkModel network)
{
    private const long Ms = 1_000_000;
    private const long MaxDurationNs = 20 * 60 * 1000 * Ms;
    private static readonly string[] HttpCodes = ["200", "200", "200", "200", "200", "304", "206", "301", "302", "404"];

    /// <summary>An ordinary flow between a monitored client and a server of the catalogue.</summary>
    public void Normal(TcpFlow flow, DeterministicRandom random, long lastNs, uint client, ClientSubnet subnet, Server server)
    {
        flow.Reset();
        flow.ClientIp = client;
        flow.ClientInternal = true;
        flow.ClientPort = EphemeralPort(random);
        flow.ServerIp = server.Address;
        flow.ServerPort = server.Port;
        flow.LastNs = lastNs;

        var failed = random.Chance(0.03);
        var serverBytes = failed ? 0 : (long)Math.Clamp(random.LogNormal(server.MedianBytes, 1.6), 0, 400_000_000);
        var clientBytes = failed ? 0 : (long)Math.Clamp(random.LogNormal(700, 0.9), 1, 20_000_000);
        var tls = server.Port is 443 or 8443 or 993 or 995 or 5228;
        var http = server.Port is 80 or 8080;
        if (tls && !failed)
        {
            clientBytes += 517; // the ClientHello
            serverBytes += 3_000 + random.Next(2_000); // ServerHello and certificate chain
        }

        var clientRtt = (long)(subnet.AccessRttNs * (0.7 + 0.6 * random.NextDouble()));
        var serverRtt = (long)(server.RttNs * (0.8 + 0.4 * random.NextDouble()));
        var rtt = clientRtt + serverRtt;

        // Duration: handshake, the transfer at a flow-specific throughput, and idle time before closing.
        var throughputBytesPerSecond = random.LogNormal(600_000, 1.0);
        var durationNs = 3 * rtt + (long)(serverBytes / throughputBytesPerSecond * 1e9) + (long)(random.Exponential(2_000) * Ms);
        flow.DurationNs = Math.Min(durationNs, MaxDurationNs);

        FillDirection(ref flow.Client, random, clientBytes, flow.DurationNs, clientRtt, firstDataNs: rtt, isClient: true);
        FillDirection(ref flow.Server, random, serverBytes, flow.DurationNs, serverRtt, firstDataNs: rtt + serverRtt, isClient: false);
        Acknowledge(ref flow.Client, flow.Server);
        Acknowledge(ref flow.Server, flow.Client);
        flow.Client.FirstAckNs = rtt;
        flow.Server.FirstAckNs = serverRtt;

        if (failed)
        {
            flow.Server.RstCnt = 1;
            flow.Server.FinCnt = flow.Client.FinCnt = 0;
        }

        if (tls && !failed)
        {
            flow.ConnectionType = 8192;
            flow.Sni = random.Chance(0.97) ? server.Domain : null;
            flow.CertificateName = "*." + server.BaseDomain;
            flow.Client.Spdy = flow.Server.Spdy = random.Chance(0.5) ? 1 : 0;
            flow.Client.LastHandshakeNs = 2 * rtt + random.NextInt64(Ms);
            flow.Server.LastHandshakeNs = flow.Client.LastHandshakeNs - clientRtt / 2;
            flow.Client.AppDataNs = Math.Min(flow.Client.LastHandshakeNs + random.NextInt64(5 * Ms), flow.DurationNs);
            flow.Server.AppDataNs = Math.Min(flow.Client.AppDataNs + serverRtt, flow.DurationNs);
            flow.Client.AppDataBytes = 517 + random.Next(200);
            flow.Server.AppDataBytes = 3_000 + random.Next(2_500);
        }
        else if (http && !failed)
        {
            flow.ConnectionType = 1;
            flow.HttpType = 1;
            flow.HttpRequests = flow.HttpResponses = Math.Max(1, Math.Min(flow.Client.PktsData, 1 + random.Next(4)));
            flow.HttpResponse = HttpCodes[random.Next(HttpCodes.Length)];
        }

        Name(flow, random, server.Domain);
    }

    /// <summary>One probe of a port scan: a SYN answered by a reset, no payload.</summary>
    public void ScanProbe(TcpFlow flow, DeterministicRandom random, long lastNs, uint scanner, ClientSubnet? subnet, uint target, int port)
    {
        flow.Reset();
        flow.ClientIp = scanner;
        flow.ClientInternal = subnet is not null;
        flow.ClientPort = EphemeralPort(random);
        flow.ServerIp = target;
        flow.ServerPort = port;
        flow.LastNs = lastNs;
        var rtt = (subnet?.AccessRttNs ?? 20 * Ms) + random.NextInt64(30 * Ms);
        flow.DurationNs = rtt;
        Handshake(ref flow.Client, random, isClient: true);
        Handshake(ref flow.Server, random, isClient: false);
        flow.Client.PktsAll = flow.Client.SynCnt = 1;
        flow.Client.AckCnt = flow.Client.AckCntP = 0;
        flow.Server.PktsAll = flow.Server.RstCnt = flow.Server.AckCnt = flow.Server.AckCntP = 1;
        flow.Server.SynCnt = 0;
        flow.Server.FirstAckNs = rtt;
    }

    /// <summary>One connection attempt of a SYN flood: SYNs retried, a SYN-ACK or two, no payload.</summary>
    public void FloodAttempt(TcpFlow flow, DeterministicRandom random, long lastNs, uint source, Server target)
    {
        flow.Reset();
        flow.ClientIp = source;
        flow.ClientPort = random.Next(1024, 65536);
        flow.ServerIp = target.Address;
        flow.ServerPort = target.Port;
        flow.LastNs = lastNs;
        var retries = random.Next(0, 3);
        flow.DurationNs = target.RttNs + retries * 1000 * Ms;
        Handshake(ref flow.Client, random, isClient: true);
        Handshake(ref flow.Server, random, isClient: false);
        flow.Client.PktsAll = flow.Client.SynCnt = 1 + retries;
        flow.Client.AckCnt = flow.Client.AckCntP = 0;
        flow.Server.PktsAll = flow.Server.SynCnt = flow.Server.AckCnt = 1 + retries / 2;
        flow.Server.AckCntP = 0;
        flow.Server.FirstAckNs = target.RttNs;
    }

    private void Name(TcpFlow flow, DeterministicRandom random, string domain)
    {
        // DN-Hunter finds a name for most flows; when it does not, fqdn is empty and the DNS fields are '-'.
        if (random.Chance(0.08))
        {
            return;
        }

        flow.Fqdn = domain;
        flow.DnsResolver = network.Resolvers[random.Next(network.Resolvers.Count)];
        flow.DnsRequestNs = flow.FirstNs - (long)(random.Exponential(30_000) * Ms) - 5 * Ms;
        flow.DnsResponseNs = flow.DnsRequestNs + Ms + random.NextInt64(40 * Ms);
    }

    private static int EphemeralPort(DeterministicRandom random) => random.Next(32768, 61000);

    private static void Handshake(ref HalfFlow half, DeterministicRandom random, bool isClient)
    {
        half.TtlMin = half.TtlMax = isClient ? 64 - random.Next(1, 4) : 128 - random.Next(8, 25);
        half.Mss = half.MssMax = half.MssMin = 0;
        half.F1323 = half.SackOpt = true;
        half.WinScale = 7;
        half.WinMax = half.WinMin = 29_200;
    }

    private static void FillDirection(ref HalfFlow half, DeterministicRandom random, long bytes, long durationNs, long rttNs, long firstDataNs, bool isClient)
    {
        half.Mss = random.Chance(0.7) ? 1460 : (random.Chance(0.5) ? 1440 : 1380);
        var segment = Math.Max(200, (int)(half.Mss * (0.6 + 0.4 * random.NextDouble())));
        half.BytesUniq = bytes;
        half.PktsData = bytes == 0 ? 0 : (int)Math.Max(1, (bytes + segment - 1) / segment);
        if (half.PktsData > 3 && random.Chance(0.15))
        {
            half.PktsRetx = Math.Max(1, (int)(half.PktsData * random.NextDouble() * 0.05));
            half.BytesRetx = Math.Min(bytes, (long)half.PktsRetx * segment);
            half.PktsRto = half.PktsRetx / 3;
            half.PktsFs = half.PktsRetx - half.PktsRto;
            half.SackCnt = half.PktsFs;
            half.PktsOoo = random.Next(0, 2);
            half.PktsReor = half.PktsOoo;
        }

        half.BytesAll = half.BytesUniq + half.BytesRetx;
        half.SynCnt = 1;
        half.FinCnt = 1;
        half.PktsPush = half.PktsData == 0 ? 0 : Math.Max(1, half.PktsData / 8);

        half.MssMax = half.PktsData == 0 ? 0 : Math.Min(half.Mss, (int)Math.Min(bytes, half.Mss));
        half.MssMin = half.PktsData == 0 ? 0 : Math.Min(half.MssMax, (int)(bytes % segment == 0 ? segment : bytes % segment));
        half.F1323 = random.Chance(0.9);
        half.Timestamps = random.Chance(isClient ? 0.7 : 0.5);
        half.WinScale = half.F1323 ? random.Next(2, 10) : 0;
        half.SackOpt = random.Chance(0.95);
        half.WinMax = 8_192L << random.Next(1, 6);
        half.WinMin = Math.Max(1_024, half.WinMax / random.Next(1, 8));
        half.CwinIni = (int)Math.Min(bytes, 10L * half.Mss);
        half.CwinMax = (int)Math.Min(bytes, Math.Max(half.CwinIni, (long)(half.CwinIni * (1 + 4 * random.NextDouble()))));
        half.CwinMin = Math.Min(half.CwinIni, half.MssMin);
        half.TtlMin = isClient ? 64 - random.Next(1, 4) : (random.Chance(0.6) ? 64 : 128) - random.Next(8, 25);
        half.TtlMax = half.TtlMin + (random.Chance(0.1) ? 1 : 0);

        if (half.PktsData == 0)
        {
            half.FirstNs = half.LastNs = 0;
        }
        else
        {
            half.FirstNs = Math.Min(firstDataNs, durationNs);
            half.LastNs = half.FirstNs + (long)((durationNs - half.FirstNs) * (0.5 + 0.5 * random.NextDouble()));
        }

        half.RttCnt = Math.Min(half.PktsData, 1 + random.Next(Math.Max(1, half.PktsData)));
        if (half.RttCnt > 0)
        {
            half.RttMinNs = (long)(rttNs * (0.85 + 0.1 * random.NextDouble()));
            half.RttAvgNs = half.RttCnt == 1 ? half.RttMinNs : rttNs;
            half.RttMaxNs = half.RttCnt == 1 ? half.RttMinNs : (long)(rttNs * (1.05 + random.Exponential(0.3)));
            half.RttStdNs = half.RttCnt == 1 ? 0 : (half.RttMaxNs - half.RttMinNs) / 4;
        }
    }

    private static void Acknowledge(ref HalfFlow half, in HalfFlow other)
    {
        // Every segment but the client's SYN carries an ACK; pure ACKs answer roughly every other data segment.
        half.AckCntP = (other.PktsData + 1) / 2 + 1;
        half.PktsAll = half.PktsData + half.PktsRetx + half.AckCntP + 1;
        half.AckCnt = half.PktsAll - 1;
    }
}
