using Mplane.Configuration;
using System.Net;
using Mplane.Generators.Tstat;
using Mplane.LogFormats.Tstat;
using Mplane.Testing;

namespace Mplane.Generators.Tests;

public sealed class TstatLogGeneratorTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2015, 2, 27, 22, 0, 0, TimeSpan.Zero);
    private readonly TemporaryDirectory _directory = new("gen");

    [Fact]
    public async Task Every_line_has_the_header_declared_column_count_when_split_on_single_spaces()
    {
        var summary = await GenerateAsync(_directory.Combine("a"), rate: 40, duration: TimeSpan.FromHours(1));
        var log = GeneratedLog.ReadAll(_directory.Combine("a"));

        Assert.Equal(130, log.Columns.Count);
        Assert.All(log.FieldCounts, count => Assert.Equal(130, count));
        Assert.Equal(summary.Flows + summary.Files.Count, log.FieldCounts.Count); // every line and header counted
        Assert.Equal(summary.Flows, log.Rows.Count);
        // Empty fqdn fields (two spaces in a row) must occur, as in real Tstat logs.
        Assert.Contains(File.ReadLines(summary.Files[0].Path), line => line.Contains("  ", StringComparison.Ordinal));
        Assert.Contains(log.Rows, row => log.Get(row, "fqdn").Length == 0);
        Assert.All(log.Rows, row => Assert.Equal(string.Empty, log.Get(row, "dropbox_id"))); // always '-'
    }

    [Fact]
    public async Task The_header_is_the_one_real_Tstat_level_15_logs_carry()
    {
        var sample = Directory.EnumerateFiles(TestPaths.TstatSamples, TcpCompleteColumns.LogName, SearchOption.AllDirectories).First();
        var realHeader = File.ReadLines(sample).First();
        Assert.Equal(realHeader, TcpCompleteWriter.Header);

        await GenerateAsync(_directory.Path, rate: 5, duration: TimeSpan.FromMinutes(10));
        var file = Directory.EnumerateFiles(_directory.Path, TcpCompleteColumns.LogName, SearchOption.AllDirectories).Single();
        Assert.Equal(realHeader, File.ReadLines(file).First());
    }

    [Fact]
    public async Task Identical_arguments_give_byte_identical_output_and_another_seed_does_not()
    {
        await GenerateAsync(_directory.Combine("one"), rate: 30, duration: TimeSpan.FromHours(2), perKind: 1);
        await GenerateAsync(_directory.Combine("two"), rate: 30, duration: TimeSpan.FromHours(2), perKind: 1);
        await GenerateAsync(_directory.Combine("three"), rate: 30, duration: TimeSpan.FromHours(2), perKind: 1, seed: 2);

        var one = Snapshot(_directory.Combine("one"));
        Assert.Equal(13, one.Count); // 12 ten-minute files and the label file
        Assert.Equal(one, Snapshot(_directory.Combine("two")));
        Assert.NotEqual(one, Snapshot(_directory.Combine("three")));
    }

    [Fact]
    public async Task Files_follow_Tstat_layout_and_hold_the_flows_that_ended_in_their_period()
    {
        var summary = await GenerateAsync(_directory.Path, rate: 20, duration: TimeSpan.FromMinutes(30));

        Assert.Equal(
            ["2015/02-Feb/2015_02_27_22_00.out/log_tcp_complete", "2015/02-Feb/2015_02_27_22_10.out/log_tcp_complete", "2015/02-Feb/2015_02_27_22_20.out/log_tcp_complete"],
            summary.Files.Select(f => Path.GetRelativePath(_directory.Path, f.Path)));
        foreach (var file in summary.Files)
        {
            var log = GeneratedLog.ReadAll(Path.GetDirectoryName(file.Path)!);
            Assert.Equal(TstatDirectoryLayout.PeriodStart(file.Path), file.PeriodStart);
            Assert.All(log.Rows, row => Assert.InRange(log.End(row), file.PeriodStart, file.PeriodStart.AddMinutes(10).AddTicks(-1)));
            Assert.Equal(log.Rows.Select(log.End).Order(), log.Rows.Select(log.End)); // written as flows close
        }
    }

    [Fact]
    public async Task Values_are_mutually_consistent()
    {
        await GenerateAsync(_directory.Path, rate: 50, duration: TimeSpan.FromHours(1), anomalies: ["portscan@+5m/10m", "ddos@+20m/10m", "flashcrowd@+40m/10m"]);
        var log = GeneratedLog.ReadAll(_directory.Path);
        Assert.All(log.Rows, row =>
        {
            double N(string c) => log.Number(row, c);
            Assert.True(N("last") >= N("first"));
            Assert.Equal(N("last") - N("first"), N("durat"), 0.01);
            foreach (var side in new[] { "c_", "s_" })
            {
                Assert.True(N(side + "bytes_all") >= N(side + "bytes_uniq"));
                Assert.True(N(side + "bytes_all") == N(side + "bytes_uniq") + N(side + "bytes_retx"));
                Assert.True(N(side + "pkts_all") >= N(side + "pkts_data"));
                Assert.True(N(side + "bytes_uniq") <= N(side + "pkts_data") * 65_535);
                Assert.True(N(side + "ack_cnt") >= N(side + "ack_cnt_p"));
                Assert.True(N(side + "rtt_min") <= N(side + "rtt_avg") && N(side + "rtt_avg") <= N(side + "rtt_max"));
                Assert.True(N(side + "first") <= N("durat") && N(side + "last") <= N("durat"));
            }

            Assert.True(IPAddress.TryParse(log.Get(row, "c_ip"), out _));
            Assert.InRange(N("s_port"), 1, 65535);
            Assert.Contains(log.Get(row, "c_isint"), new[] { "0", "1" });
        });

        // Clients come from several /24s, inside and outside 10/8.
        var subnets = log.Rows.Select(r => log.Get(r, "c_ip")).Where(ip => ip.StartsWith("10.", StringComparison.Ordinal) || ip.StartsWith("192.168.", StringComparison.Ordinal))
            .Select(ip => ip[..ip.LastIndexOf('.')]).Distinct().ToList();
        Assert.True(subnets.Count >= 8, string.Join(", ", subnets));
        Assert.Contains(log.Rows, r => log.Get(r, "s_port") == "443");
        Assert.Contains(log.Rows, r => log.Get(r, "s_port") == "80" && log.Get(r, "http_res") != "---");
    }

    [Fact]
    public async Task Each_anomaly_kind_shows_in_its_labelled_time_range_only()
    {
        var summary = await GenerateAsync(_directory.Path, rate: 30, duration: TimeSpan.FromHours(3), perKind: 1);
        var labels = AnomalyLabel.ReadFile(summary.LabelFile);
        Assert.Equal(AnomalyKinds.All.Order(), labels.Select(l => l.Kind).Order());
        Assert.Equal(summary.Labels, labels);
        var log = GeneratedLog.ReadAll(_directory.Path);

        foreach (var label in labels)
        {
            bool Inside(string[] row) => log.End(row) >= label.Start && log.End(row) < label.End;
            var minutesInside = (label.End - label.Start).TotalMinutes;
            var minutesOutside = 180 - minutesInside;
            switch (label.Kind)
            {
                case AnomalyKind.PortScan:
                {
                    // Probes: one SYN from the scanner answered by a reset, to many distinct ports.
                    var probes = log.Rows.Where(r => log.Get(r, "c_ip") == label.Key && log.Get(r, "c_pkts_all") == "1" && log.Get(r, "s_rst_cnt") == "1").ToList();
                    Assert.All(probes, p => Assert.True(Inside(p)));
                    Assert.True(probes.Select(p => log.Get(p, "s_port")).Distinct().Count() > 1000);
                    break;
                }

                case AnomalyKind.Ddos:
                {
                    var attempts = log.Rows.Where(r => log.Get(r, "s_ip") == label.Key).ToList();
                    var inside = attempts.Count(Inside) / minutesInside;
                    var outside = attempts.Count(r => !Inside(r)) / minutesOutside;
                    Assert.True(inside > 20 * Math.Max(outside, 0.1), $"flows per minute to {label.Key}: {inside:0.0} inside, {outside:0.0} outside");
                    Assert.True(attempts.Where(Inside).Select(r => log.Get(r, "c_ip")).Distinct().Count() > 100);
                    break;
                }

                case AnomalyKind.Outage:
                {
                    var prefix = label.Key[..label.Key.LastIndexOf(".0/24", StringComparison.Ordinal)] + ".";
                    var fromSubnet = log.Rows.Where(r => log.Get(r, "c_ip").StartsWith(prefix, StringComparison.Ordinal)).ToList();
                    Assert.DoesNotContain(fromSubnet, Inside);
                    Assert.True(fromSubnet.Count / minutesOutside > 10, $"{label.Key} sends {fromSubnet.Count} flows outside the outage");
                    break;
                }

                case AnomalyKind.FlashCrowd:
                {
                    var crowd = log.Rows.Where(r => log.Get(r, "c_ssl_SNI") == label.Key || log.Get(r, "fqdn") == label.Key).ToList();
                    Assert.All(crowd, r => Assert.True(Inside(r)));
                    Assert.True(crowd.Count / minutesInside > 300, $"{crowd.Count} flows to {label.Key}");
                    Assert.True(crowd.Select(r => log.Get(r, "c_ip")).Distinct().Count() > 100);
                    break;
                }
            }
        }
    }

    [Theory]
    [InlineData("2015-02-27T22:00:30Z", "10m", "--start must fall on a whole minute")]
    [InlineData("2015-02-27T22:00:00Z", "90s", "--interval must be a whole number of minutes")]
    public void Options_off_Tstat_minute_naming_are_refused(string start, string interval, string expected)
    {
        Assert.True(Spans.TryParse(interval, out var span));
        var options = new TstatGeneratorOptions
        {
            OutputDirectory = _directory.Path,
            Start = DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture),
            Duration = TimeSpan.FromHours(1),
            Interval = span,
        };
        Assert.Contains(options.Validate(), p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Anomalies_that_do_not_fit_are_refused_with_the_reason()
    {
        var tooMany = await Assert.ThrowsAsync<ArgumentException>(() => GenerateAsync(_directory.Path, 1, TimeSpan.FromHours(1), perKind: 1));
        Assert.Contains("too short for 4 anomalies of 15m", tooMany.Message, StringComparison.Ordinal);

        var outside = await Assert.ThrowsAsync<ArgumentException>(() => GenerateAsync(_directory.Path, 1, TimeSpan.FromHours(1), anomalies: ["ddos@+55m/10m"]));
        Assert.Contains("lies outside the run", outside.Message, StringComparison.Ordinal);

        var unknown = Assert.Throws<FormatException>(() => AnomalyRequest.Parse("tsunami@+5m"));
        Assert.Contains("unknown anomaly kind 'tsunami'", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("portscan, ddos, outage, flashcrowd", unknown.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();

    private static Task<GenerationSummary> GenerateAsync(
        string output, double rate, TimeSpan duration, int perKind = 0, ulong seed = 1, string[]? anomalies = null) =>
        new TstatLogGenerator().GenerateAsync(
            new TstatGeneratorOptions
            {
                OutputDirectory = output,
                Start = Start,
                Duration = duration,
                Interval = TimeSpan.FromMinutes(10),
                Rate = rate,
                Seed = seed,
                AnomaliesPerKind = perKind,
                Anomalies = (anomalies ?? []).Select(AnomalyRequest.Parse).ToList(),
            },
            progress: null,
            TestTimeout.Token);

    private static Dictionary<string, string> Snapshot(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(directory, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));
}
