using Mplane.Configuration;
namespace Mplane.Generators.Tstat;

/// <summary>
/// Turns anomaly requests into planned anomalies: times for those the user did not place (spread over
/// the run after a clean lead-in, without overlapping each other), and keys drawn from the network.
/// </summary>
public static class AnomalyPlanner
{
    /// <summary>The share of the run kept free of generator-placed anomalies at its start, as history for detectors.</summary>
    public const double LeadIn = 0.1;

    /// <summary>Plans the anomalies of a run; throws <see cref="ArgumentException"/> naming the request that cannot fit.</summary>
    public static IReadOnlyList<PlannedAnomaly> Plan(TstatGeneratorOptions options, NetworkModel network)
    {
        var random = new DeterministicRandom(options.Seed, 0xA40A_1135);
        var placed = new List<(AnomalyKind Kind, DateTimeOffset Start, TimeSpan Duration)>();
        var toPlace = new List<(AnomalyKind Kind, TimeSpan Duration)>();

        foreach (var request in options.Anomalies)
        {
            var duration = request.Duration ?? AnomalyRequest.DefaultDuration;
            var start = request.Start ?? (request.Offset is { } offset ? options.Start + offset : (DateTimeOffset?)null);
            if (start is null)
            {
                toPlace.Add((request.Kind, duration));
                continue;
            }

            if (start < options.Start || start + duration > options.End)
            {
                throw new ArgumentException(
                    $"anomaly {request.Kind.Name()} from {start:O} for {Spans.Format(duration)} lies outside the run {options.Start:O} to {options.End:O}");
            }

            placed.Add((request.Kind, start.Value, duration));
        }

        for (var i = 0; i < options.AnomaliesPerKind; i++)
        {
            toPlace.AddRange(AnomalyKinds.All.Select(kind => (kind, AnomalyRequest.DefaultDuration)));
        }

        Shuffle(toPlace, random);
        if (toPlace.Count > 0)
        {
            var usableStart = options.Start + options.Duration * LeadIn;
            var slot = (options.End - usableStart) / toPlace.Count;
            for (var i = 0; i < toPlace.Count; i++)
            {
                var (kind, duration) = toPlace[i];
                if (duration > slot)
                {
                    throw new ArgumentException(
                        $"the run of {Spans.Format(options.Duration)} is too short for {toPlace.Count} anomalies of {Spans.Format(duration)}; " +
                        "lengthen --duration or ask for fewer anomalies");
                }

                var slack = (slot - duration).Ticks / TimeSpan.TicksPerSecond;
                var start = usableStart + slot * i + TimeSpan.FromSeconds(random.NextInt64(slack + 1));
                placed.Add((kind, new DateTimeOffset(start.UtcTicks - start.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero), duration));
            }
        }

        return placed
            .OrderBy(p => p.Start)
            .ThenBy(p => p.Kind)
            .Select((p, index) => Materialise(p.Kind, p.Start, p.Duration, index, options.Rate, network, random))
            .ToList();
    }

    private static PlannedAnomaly Materialise(
        AnomalyKind kind, DateTimeOffset start, TimeSpan duration, int index, double rate, NetworkModel network, DeterministicRandom random)
    {
        var end = start + duration;
        switch (kind)
        {
            case AnomalyKind.PortScan:
            {
                var (scanner, subnet) = network.PickClient(random);
                var target = network.Servers[random.Next(network.Servers.Count)].Address;
                return new PlannedAnomaly
                {
                    Label = new AnomalyLabel(kind, start, end, NetworkModel.Format(scanner)),
                    Rate = Math.Max(5, 0.1 * rate),
                    Scanner = scanner,
                    ScannerSubnet = subnet,
                    ScanTarget = target,
                };
            }

            case AnomalyKind.Ddos:
            {
                // A moderately popular server: its share of traffic visibly jumps.
                var victim = network.Servers[random.Next(10, 60)];
                return new PlannedAnomaly
                {
                    Label = new AnomalyLabel(kind, start, end, NetworkModel.Format(victim.Address)),
                    Rate = Math.Max(10, 0.5 * rate),
                    Victim = victim,
                };
            }

            case AnomalyKind.Outage:
            {
                var subnet = network.Subnets[random.Next(network.Subnets.Count)];
                return new PlannedAnomaly { Label = new AnomalyLabel(kind, start, end, subnet.Cidr), Rate = 0, SilentSubnet = subnet };
            }

            case AnomalyKind.FlashCrowd:
            {
                var domain = $"live{index + 1}.event-stream.tv";
                var servers = Enumerable.Range(0, 3)
                    .Select(k => new Server(
                        NetworkModel.Ip(203, 0, (byte)(113 + index % 8), (byte)(10 + k)), 443, domain, "event-stream.tv", 30_000_000, 200_000))
                    .ToList();
                return new PlannedAnomaly
                {
                    Label = new AnomalyLabel(kind, start, end, domain),
                    Rate = Math.Max(10, 0.5 * rate),
                    CrowdServers = servers,
                };
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private static void Shuffle<T>(List<T> list, DeterministicRandom random)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
