namespace Mplane.Generators.Tstat;

/// <summary>A monitored client subnet (a /24) with its active hosts and access latency.</summary>
/// <param name="Prefix">The network address, host order.</param>
/// <param name="Hosts">How many hosts (.1 to .Hosts) are active.</param>
/// <param name="AccessRttNs">Typical round-trip time between the probe and the subnet's hosts.</param>
public sealed record ClientSubnet(uint Prefix, int Hosts, long AccessRttNs)
{
    /// <summary>The subnet in CIDR notation.</summary>
    public string Cidr => $"{Prefix >> 24}.{(Prefix >> 16) & 0xFF}.{(Prefix >> 8) & 0xFF}.0/24";

    /// <summary>Whether <paramref name="address"/> lies in the subnet.</summary>
    public bool Contains(uint address) => (address & 0xFFFFFF00) == Prefix;
}

/// <summary>A server that clients reach, with its name and distance.</summary>
/// <param name="Address">IPv4 address, host order.</param>
/// <param name="Port">The service port.</param>
/// <param name="Domain">The server's FQDN.</param>
/// <param name="BaseDomain">The registered domain (certificate names are <c>*.BaseDomain</c>).</param>
/// <param name="RttNs">Typical round-trip time between the probe and the server.</param>
/// <param name="MedianBytes">Median bytes a flow downloads from it.</param>
public sealed record Server(uint Address, int Port, string Domain, string BaseDomain, long RttNs, double MedianBytes);

/// <summary>
/// The synthetic network a generator run draws its flows from: client subnets behind the probe,
/// a catalogue of servers with Zipf popularity, and DNS resolvers. Built once from the seed and
/// shared read-only by the threads that write files.
/// </summary>
public sealed class NetworkModel
{
    private static readonly string[] BaseDomains =
    [
        "google.com", "youtube.com", "googlevideo.com", "facebook.com", "fbcdn.net", "instagram.com",
        "whatsapp.net", "netflix.com", "nflxvideo.net", "akamaihd.net", "cloudfront.net", "amazonaws.com",
        "apple.com", "icloud.com", "microsoft.com", "windowsupdate.com", "live.com", "bing.com",
        "twitter.com", "twimg.com", "wikipedia.org", "dropbox.com", "spotify.com", "linkedin.com",
        "yahoo.com", "reddit.com", "twitch.tv", "github.com", "office365.com", "skype.com",
    ];

    private static readonly string[] Hosts = ["www", "api", "cdn", "static", "img", "m", "video", "edge", "media", "s"];

    private static readonly (int Port, double Weight)[] Ports =
    [
        (443, 0.64), (80, 0.24), (8080, 0.02), (993, 0.02), (5228, 0.02), (1935, 0.01), (22, 0.01),
        (25, 0.01), (995, 0.01), (5222, 0.01), (8443, 0.01),
    ];

    private readonly double[] _serverCumulative;
    private readonly double[] _subnetCumulative;

    private NetworkModel(IReadOnlyList<ClientSubnet> subnets, IReadOnlyList<Server> servers, IReadOnlyList<uint> resolvers)
    {
        Subnets = subnets;
        Servers = servers;
        Resolvers = resolvers;
        _serverCumulative = Cumulative(servers.Select((_, rank) => 1.0 / Math.Pow(rank + 1, 0.95)));
        _subnetCumulative = Cumulative(subnets.Select(s => (double)s.Hosts));
    }

    /// <summary>The client subnets behind the probe.</summary>
    public IReadOnlyList<ClientSubnet> Subnets { get; }

    /// <summary>Servers, most popular first.</summary>
    public IReadOnlyList<Server> Servers { get; }

    /// <summary>DNS resolvers clients use.</summary>
    public IReadOnlyList<uint> Resolvers { get; }

    /// <summary>Builds the model for a seed.</summary>
    public static NetworkModel Create(ulong seed)
    {
        var random = new DeterministicRandom(seed, 0x4E45_5457);

        // Several /24s in 10/8 and some in other private ranges, so that prefix filters select a part.
        uint[] prefixes =
        [
            Ip(10, 10, 0, 0), Ip(10, 10, 1, 0), Ip(10, 10, 2, 0), Ip(10, 10, 3, 0), Ip(10, 10, 4, 0), Ip(10, 10, 5, 0),
            Ip(10, 20, 0, 0), Ip(10, 20, 1, 0), Ip(172, 16, 3, 0), Ip(172, 16, 4, 0), Ip(192, 168, 1, 0), Ip(192, 168, 2, 0),
        ];
        var subnets = prefixes
            .Select(p => new ClientSubnet(p, random.Next(40, 220), Milliseconds(random.LogNormal(3.0, 0.6))))
            .ToArray();

        var servers = new List<Server>();
        var seen = new HashSet<uint>();
        for (var i = 0; i < 400; i++)
        {
            var baseDomain = BaseDomains[random.Next(BaseDomains.Length)];
            var domain = $"{Hosts[random.Next(Hosts.Length)]}{(random.Chance(0.4) ? random.Next(1, 30).ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty)}.{baseDomain}";
            uint address;
            do
            {
                // Each registered domain lives in its own /16 of public space, as a provider's block would.
                var block = (uint)(Array.IndexOf(BaseDomains, baseDomain) * 7 + 31);
                address = Ip((byte)(block % 190 + 20), (byte)(block * 13 % 250), (byte)random.Next(256), (byte)random.Next(1, 255));
            }
            while (!seen.Add(address));

            servers.Add(new Server(
                address,
                PickPort(random),
                domain,
                baseDomain,
                Milliseconds(random.LogNormal(25, 0.8)),
                random.LogNormal(12_000, 1.2)));
        }

        uint[] resolvers = [Ip(8, 8, 8, 8), Ip(62, 101, 93, 101), Ip(10, 10, 0, 53)];
        return new NetworkModel(subnets, servers, resolvers);
    }

    /// <summary>Draws a server by popularity.</summary>
    public Server PickServer(DeterministicRandom random) => Servers[Pick(_serverCumulative, random)];

    /// <summary>Draws a client address: a subnet weighted by its hosts, then a host.</summary>
    public (uint Address, ClientSubnet Subnet) PickClient(DeterministicRandom random)
    {
        var subnet = Subnets[Pick(_subnetCumulative, random)];
        return (subnet.Prefix + (uint)random.Next(1, subnet.Hosts + 1), subnet);
    }

    /// <summary>The subnet of a client address, or null for an address outside the monitored network.</summary>
    public ClientSubnet? SubnetOf(uint address) => Subnets.FirstOrDefault(s => s.Contains(address));

    /// <summary>Builds a host-order IPv4 address.</summary>
    public static uint Ip(byte a, byte b, byte c, byte d) => ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

    /// <summary>Formats a host-order IPv4 address.</summary>
    public static string Format(uint address) => $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}";

    private static long Milliseconds(double ms) => (long)(ms * 1_000_000);

    private static int PickPort(DeterministicRandom random)
    {
        var x = random.NextDouble();
        foreach (var (port, weight) in Ports)
        {
            if ((x -= weight) < 0)
            {
                return port;
            }
        }

        return 443;
    }

    private static double[] Cumulative(IEnumerable<double> weights)
    {
        var list = weights.ToArray();
        var total = list.Sum();
        var sum = 0.0;
        return list.Select(w => (sum += w) / total).ToArray();
    }

    private static int Pick(double[] cumulative, DeterministicRandom random)
    {
        var index = Array.BinarySearch(cumulative, random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, cumulative.Length - 1);
    }
}
