using Mplane.LogFormats.Scanning;
using Mplane.Testing;

namespace Mplane.LogFormats.Tests;

public sealed class MawiFormatTests
{
    [Fact]
    public async Task The_real_samples_are_recognised_and_addresses_come_out_as_the_right_dotted_quads()
    {
        var files = InputFiles.Expand([TestPaths.MawiSamples]);
        Assert.Equal(5, files.Count);
        var first = await Read.FileAsync(files[0]);
        Assert.Equal("mawi", first.Format!.Method.Name);
        Assert.Equal(10010, first.Records.Count);
        Assert.Equal(
            ["serial_time", "server_port", "user_port", "server_ip", "user_ip", "protocol", "ipv4_protocol", "flags",
             "up_phy_pkts", "up_ipv4_pkts", "up_phy_bytes", "up_ipv4_pdu_bytes", "up_ipv4_sdu_bytes"],
            first.Format.Fields.Select(f => f.Name));

        // 3235574320 = 0xC0DAF230 = 192.218.242.48 (the big-endian split the original got wrong).
        var row = first.Records[0];
        Assert.Equal("1238497200", row["serial_time"]);
        Assert.Equal("192.218.242.48", row["server_ip"]);
        Assert.Equal("193.52.232.189", row["user_ip"]); // 3241470141
        Assert.Equal("204", row["up_ipv4_sdu_bytes"]);
    }

    [Fact]
    public async Task The_last_sample_has_one_row_without_a_trailing_newline()
    {
        var last = InputFiles.Expand([TestPaths.MawiSamples])[^1];
        Assert.NotEqual((byte)'\n', File.ReadAllBytes(last)[^1]);
        var read = await Read.FileAsync(last);
        Assert.Single(read.Records);
        Assert.Empty(read.Problems);
    }
}
