using Mplane.Generators.Text;
using Mplane.LogFormats.Tstat;

namespace Mplane.Generators.Tstat;

/// <summary>One written log file.</summary>
/// <param name="Path">Its full path.</param>
/// <param name="PeriodStart">The start of its rotation period.</param>
/// <param name="Flows">Lines written, header excluded.</param>
/// <param name="Bytes">Its size.</param>
public sealed record GeneratedFile(string Path, DateTimeOffset PeriodStart, long Flows, long Bytes);

/// <summary>What a run wrote.</summary>
/// <param name="Files">The log files, in time order.</param>
/// <param name="Labels">The injected anomalies.</param>
/// <param name="LabelFile">The label file's path.</param>
public sealed record GenerationSummary(IReadOnlyList<GeneratedFile> Files, IReadOnlyList<AnomalyLabel> Labels, string LabelFile)
{
    /// <summary>All flows written.</summary>
    public long Flows => Files.Sum(f => f.Flows);

    /// <summary>All bytes written.</summary>
    public long Bytes => Files.Sum(f => f.Bytes);
}

/// <summary>
/// Writes realistic Tstat <c>log_tcp_complete</c> files (level 15, 130 columns) into Tstat's layout,
/// one file per rotation period, with labelled anomalies. Output depends only on the options: each
/// file has its own random stream derived from the seed and its index, so files are written in
/// parallel and still byte-identical from run to run.
/// </summary>
public sealed class TstatLogGenerator
{
    private const byte NormalFlow = 0;

    /// <summary>Plans the run (anomaly times and keys) without writing anything.</summary>
    public static IReadOnlyList<PlannedAnomaly> Plan(TstatGeneratorOptions options) =>
        AnomalyPlanner.Plan(options, NetworkModel.Create(options.Seed));

    /// <summary>Writes every file and the label file.</summary>
    public async Task<GenerationSummary> GenerateAsync(
        TstatGeneratorOptions options, IProgress<GeneratedFile>? progress, CancellationToken cancellationToken)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }

        var network = NetworkModel.Create(options.Seed);
        var anomalies = AnomalyPlanner.Plan(options, network);
        var fileCount = (int)((options.Duration.Ticks + options.Interval.Ticks - 1) / options.Interval.Ticks);
        var files = new GeneratedFile[fileCount];
        Directory.CreateDirectory(options.OutputDirectory);

        await Parallel.ForEachAsync(
            Enumerable.Range(0, fileCount),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            async (index, token) =>
            {
                files[index] = await WriteFileAsync(options, network, anomalies, index, token).ConfigureAwait(false);
                progress?.Report(files[index]);
            }).ConfigureAwait(false);

        var labels = anomalies.Select(a => a.Label).ToList();
        var labelFile = Path.Combine(options.OutputDirectory, AnomalyLabel.FileName);
        await File.WriteAllLinesAsync(labelFile, [AnomalyLabel.Header, .. labels.Select(l => l.ToLine())], cancellationToken)
            .ConfigureAwait(false);
        return new GenerationSummary(files, labels, labelFile);
    }

    private static async Task<GeneratedFile> WriteFileAsync(
        TstatGeneratorOptions options, NetworkModel network, IReadOnlyList<PlannedAnomaly> anomalies, int index, CancellationToken cancellationToken)
    {
        var periodStart = options.Start + options.Interval * index;
        var periodEnd = periodStart + options.Interval < options.End ? periodStart + options.Interval : options.End;
        var folder = Path.Combine(options.OutputDirectory, TstatDirectoryLayout.PeriodFolder(periodStart));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, TcpCompleteColumns.LogName);
        var temporary = path + ".partial";

        var random = new DeterministicRandom(options.Seed, 0xF11E, (ulong)index);
        var events = PlanEvents(options, anomalies, random, PlannedAnomaly.Nanoseconds(periodStart), PlannedAnomaly.Nanoseconds(periodEnd));
        var factory = new FlowFactory(network);
        var flow = new TcpFlow();
        long flows = 0;
        long bytes;

        var writer = new AsciiWriter(new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1, useAsync: true));
        await using (writer.ConfigureAwait(false))
        {
            writer.Write(TcpCompleteWriter.Header);
            writer.Write((byte)'\n');
            foreach (var (timeNs, kind) in events)
            {
                if (!Describe(flow, kind, timeNs, network, anomalies, factory, random))
                {
                    continue;
                }

                TcpCompleteWriter.WriteLine(writer, flow);
                flows++;
                if (writer.IsFullerThan(0.75))
                {
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            bytes = writer.BytesWritten;
        }

        File.Move(temporary, path, overwrite: true);
        return new GeneratedFile(path, periodStart, flows, bytes);
    }

    /// <summary>
    /// When each flow of the period ends and what it is: ordinary traffic follows a daily cycle around
    /// the mean rate; each active anomaly adds its own flows over its overlap with the period.
    /// </summary>
    private static (long TimeNs, byte Kind)[] PlanEvents(
        TstatGeneratorOptions options, IReadOnlyList<PlannedAnomaly> anomalies, DeterministicRandom random, long startNs, long endNs)
    {
        var events = new List<(long, byte)>();
        var spanNs = endNs - startNs;
        var middle = DateTimeOffset.UnixEpoch.AddTicks((startNs + spanNs / 2) / 100);
        var normal = random.PoissonLike(options.Rate * spanNs / 1e9 * DailyCycle(middle));
        for (long i = 0; i < normal; i++)
        {
            events.Add((startNs + random.NextInt64(spanNs), NormalFlow));
        }

        for (var a = 0; a < anomalies.Count; a++)
        {
            var from = Math.Max(startNs, anomalies[a].StartNs);
            var to = Math.Min(endNs, anomalies[a].EndNs);
            if (to <= from || anomalies[a].Rate <= 0)
            {
                continue;
            }

            var count = random.PoissonLike(anomalies[a].Rate * (to - from) / 1e9);
            for (long i = 0; i < count; i++)
            {
                events.Add((from + random.NextInt64(to - from), (byte)(a + 1)));
            }
        }

        var array = events.ToArray();
        Array.Sort(array); // by end time, then kind: Tstat writes flows as they close
        return array;
    }

    /// <summary>Traffic's daily rhythm: 0.6 of the mean around 04:00 UTC, 1.4 around 16:00, averaging 1 over a day.</summary>
    private static double DailyCycle(DateTimeOffset time) =>
        1 + 0.4 * Math.Sin(2 * Math.PI * (time.UtcDateTime.TimeOfDay.TotalHours - 10) / 24);

    private static bool Describe(
        TcpFlow flow, byte kind, long timeNs, NetworkModel network, IReadOnlyList<PlannedAnomaly> anomalies, FlowFactory factory, DeterministicRandom random)
    {
        if (kind == NormalFlow)
        {
            var (client, subnet) = network.PickClient(random);
            var server = network.PickServer(random);
            if (IsSilenced(client, timeNs, anomalies))
            {
                return false;
            }

            factory.Normal(flow, random, timeNs, client, subnet, server);
            return true;
        }

        var anomaly = anomalies[kind - 1];
        switch (anomaly.Label.Kind)
        {
            case AnomalyKind.PortScan:
                factory.ScanProbe(flow, random, timeNs, anomaly.Scanner, anomaly.ScannerSubnet, anomaly.ScanTarget, random.Next(1, 65536));
                return true;
            case AnomalyKind.Ddos:
                factory.FloodAttempt(flow, random, timeNs, RandomPublicAddress(random), anomaly.Victim!);
                return true;
            case AnomalyKind.FlashCrowd:
                var (client, subnet) = network.PickClient(random);
                var server = anomaly.CrowdServers[random.Next(anomaly.CrowdServers.Count)];
                if (IsSilenced(client, timeNs, anomalies))
                {
                    return false;
                }

                factory.Normal(flow, random, timeNs, client, subnet, server);
                return true;
            default:
                return false;
        }
    }

    private static bool IsSilenced(uint client, long timeNs, IReadOnlyList<PlannedAnomaly> anomalies)
    {
        foreach (var anomaly in anomalies)
        {
            if (anomaly.SilentSubnet is { } subnet && subnet.Contains(client) && anomaly.IsActiveAt(timeNs))
            {
                return true;
            }
        }

        return false;
    }

    private static uint RandomPublicAddress(DeterministicRandom random)
    {
        while (true)
        {
            var address = (uint)random.NextUInt64();
            var first = address >> 24;
            if (first is >= 1 and <= 223 and not 10 and not 127 and not 172 and not 192)
            {
                return address;
            }
        }
    }
}
