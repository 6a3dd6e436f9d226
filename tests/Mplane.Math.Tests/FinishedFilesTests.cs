using Mplane.Math.Transfer;
using Mplane.Testing;

namespace Mplane.Math.Tests;

public sealed class FinishedFilesTests
{
    [Fact]
    public void Every_log_of_the_newest_period_is_held_back_and_times_are_UTC()
    {
        var selection = FinishedFiles.Select(TestPaths.TstatSamples, DateTimeOffset.UnixEpoch);
        Assert.Equal(
            ["2015/02-Feb/2015_02_27_22_30.out/log_tcp_complete", "2015/02-Feb/2015_02_27_23_30.out/log_tcp_complete"],
            selection.Files.Select(f => f.RelativePath));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1425076200), selection.Files[0].Time);
        Assert.Equal(1, selection.HeldBack);
    }

    [Fact]
    public void Symbolic_links_are_not_followed_out_of_the_directory()
    {
        using var directory = new TemporaryDirectory("links");
        using var outside = new TemporaryDirectory("outside");
        File.WriteAllText(outside.Combine("secret"), "x");
        Directory.CreateDirectory(directory.Combine("2015_02_27_22_30.out"));
        File.WriteAllText(directory.Combine("2015_02_27_22_30.out", "log_tcp_complete"), "x");
        Directory.CreateSymbolicLink(directory.Combine("2015_02_27_22_35.out"), outside.Path);
        File.CreateSymbolicLink(directory.Combine("2015_02_27_22_30.out", "log_udp_complete"), outside.Combine("secret"));
        Directory.CreateDirectory(directory.Combine("2015_02_27_22_40.out"));
        File.WriteAllText(directory.Combine("2015_02_27_22_40.out", "log_tcp_complete"), "x");

        var selection = FinishedFiles.Select(directory.Path, DateTimeOffset.UnixEpoch);
        Assert.Equal(["2015_02_27_22_30.out/log_tcp_complete"], selection.Files.Select(f => f.RelativePath));
    }

    [Fact]
    public void Several_logs_per_period_a_stray_file_a_start_time_and_a_kind_glob()
    {
        using var directory = new TemporaryDirectory("finished");
        foreach (var file in new[] { "2015_02_27_22_30.out/log_tcp_complete", "2015_02_27_22_30.out/log_udp_complete", "2015_02_27_22_35.out/log_tcp_complete", "2015_02_27_22_40.out/log_tcp_complete", "2015_02_27_22_40.out/log_udp_complete", "README" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(directory.Combine(file))!);
            File.WriteAllText(directory.Combine(file), "x");
        }

        var all = FinishedFiles.Select(directory.Path, DateTimeOffset.UnixEpoch);
        Assert.Equal(3, all.Files.Count);
        Assert.Equal(2, all.HeldBack); // both logs Tstat is still writing
        Assert.Equal(["README"], all.Unplaced);

        var from = FinishedFiles.Select(directory.Path, new DateTimeOffset(2015, 2, 27, 22, 35, 0, TimeSpan.Zero));
        Assert.Equal(["2015_02_27_22_35.out/log_tcp_complete"], from.Files.Select(f => f.RelativePath)); // the start is inclusive

        var tcp = FinishedFiles.Select(directory.Path, DateTimeOffset.UnixEpoch, "log_tcp_*", holdNewest: false);
        Assert.Equal(3, tcp.Files.Count);
        Assert.All(tcp.Files, f => Assert.EndsWith("log_tcp_complete", f.RelativePath, StringComparison.Ordinal));
    }
}

public sealed class ProgressStreamTests
{
    [Fact]
    public async Task A_long_upload_reports_how_far_it_got_from_its_resume_offset()
    {
        var reports = new List<(long Sent, long Total)>();
        await using var stream = new Mplane.Math.Probe.ProgressStream(new MemoryStream(new byte[300_000]), 100_000, 400_000, TimeSpan.Zero, (sent, total) => reports.Add((sent, total)));
        await stream.CopyToAsync(Stream.Null, 65536, TestTimeout.Token);
        Assert.Equal((400_000L, 400_000L), reports[^1]);
        Assert.True(reports[0].Sent > 100_000);
        Assert.Equal(reports.OrderBy(r => r.Sent), reports);
    }
}
