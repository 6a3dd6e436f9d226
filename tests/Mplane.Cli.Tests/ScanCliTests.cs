using Mplane.Testing;

namespace Mplane.Cli.Tests;

public sealed class ScanCliTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new("scan");

    [Fact]
    public async Task Count_is_the_last_line_of_standard_output_and_problems_go_to_standard_error()
    {
        var file = _directory.Combine("bad.log");
        await File.WriteAllTextAsync(file, "#c_ip:1 s_port:2\n10.0.0.1 443\n10.0.0.2\n10.0.0.3 443\n8.8.8.8 443", TestTimeout.Token);

        var result = await MplaneProcess.RunAsync("scan", "--where", "s_port == 443 && c_ip in 10.0.0.0/8", "--count", file);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("2", result.StandardOutput.TrimEnd('\n').Split('\n')[^1]);
        Assert.Contains($"{file}:3: expected 2 fields, found 1; line skipped", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("skipped 1 malformed lines in 1 of 1 files", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Folders_are_walked_in_Tstat_layout_and_time_order()
    {
        var result = await MplaneProcess.RunAsync("scan", "--select", "c_ip,last", "--format", "csv", "--threads", "1", TestPaths.TstatSamples);
        Assert.Equal(0, result.ExitCode);
        var lines = result.StandardOutput.TrimEnd('\n').Split('\n');
        Assert.Equal("c_ip,last", lines[0]);
        Assert.Equal(496, lines.Length);
        var lasts = lines.Skip(1).Select(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(lasts[0] < lasts[200] && lasts[200] < lasts[^1]);
    }

    [Fact]
    public async Task Group_and_top_count_per_value()
    {
        var result = await MplaneProcess.RunAsync("scan", "--group", "s_port", "--top", "1", TestPaths.TstatSamples);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("443 330", result.StandardOutput.Trim());

        var mawi = await MplaneProcess.RunAsync("scan", "--where", "ipv4_protocol == 6", "--group", "server_port", "--top", "3", "--format", "json", TestPaths.MawiSamples);
        Assert.Equal(0, mawi.ExitCode);
        Assert.Equal(3, mawi.StandardOutput.Trim().Split('\n').Length);
        Assert.StartsWith("{\"server_port\":\"", mawi.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_output_types_its_values()
    {
        var result = await MplaneProcess.RunAsync("scan", "--where", "fqdn == null", "--select", "c_ip,s_port,fqdn,durat", "--format", "json", TestPaths.TstatSamples);
        var first = result.StandardOutput.Split('\n')[0];
        Assert.Equal("{\"c_ip\":\"192.168.10.100\",\"s_port\":443,\"fqdn\":null,\"durat\":243199.947000}", first);
    }

    [Fact]
    public async Task Man_prints_the_dictionary_with_types_units_and_descriptions()
    {
        var result = await MplaneProcess.RunAsync("scan", "--man", "tstat");
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"c_bytes_all\s+int64\s+bytes\s+all client payload bytes", result.StandardOutput);
        Assert.Matches(@"first\s+time_ms\s+ms\s+absolute time of the flow's first segment", result.StandardOutput);
        Assert.Contains("FILTERS", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("METHOD mawi", result.StandardOutput, StringComparison.Ordinal);

        var all = await MplaneProcess.RunAsync("scan", "--man");
        Assert.Contains("METHOD mawi", all.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"server_ip\s+ipaddr", all.StandardOutput);
    }

    [Theory]
    [InlineData("--where", "s_prot == 1", "did you mean 's_port'?")]
    [InlineData("--method", "netflow", "unknown method 'netflow'; known methods: tstat, mawi")]
    public async Task Bad_filters_and_methods_exit_2_naming_the_problem(string option, string value, string message)
    {
        var result = await MplaneProcess.RunAsync("scan", option, value, "--count", TestPaths.TstatSamples);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreadable_file_exits_1_naming_it()
    {
        var file = _directory.Combine("garbage.bin");
        await File.WriteAllBytesAsync(file, [0x01, 0x02, 0xFF, (byte)'\n'], TestTimeout.Token);
        var result = await MplaneProcess.RunAsync("scan", "--count", file);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{file}:1: cannot recognise the format", result.StandardError, StringComparison.Ordinal);

        var missing = await MplaneProcess.RunAsync("scan", "--count", _directory.Combine("nope"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no such file or folder", missing.StandardError, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();
}
