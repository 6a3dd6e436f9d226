using Mplane.LogFormats.Methods;
using Mplane.LogFormats.Reading;
using Mplane.LogFormats.Scanning;
using Mplane.LogFormats.Tstat;
using Mplane.Testing;

namespace Mplane.LogFormats.Tests;

public sealed class TstatFormatTests
{
    private static IEnumerable<string> SampleFiles => InputFiles.Expand([TestPaths.TstatSamples]);

    [Fact]
    public async Task The_real_level_15_samples_read_with_every_field_in_place()
    {
        var files = SampleFiles.ToList();
        Assert.Equal(3, files.Count);
        Assert.Equal(
            ["2015_02_27_22_30.out", "2015_02_27_23_30.out", "2015_02_28_00_30.out"],
            files.Select(f => Path.GetFileName(Path.GetDirectoryName(f))));

        var read = await Read.FileAsync(files[0]);
        Assert.Equal(165, read.Records.Count);
        Assert.Empty(read.Problems);
        Assert.Equal(TcpCompleteColumns.LogName, read.Format!.Name);
        Assert.Equal(130, read.Format.FieldCount);
        Assert.Equal(TcpCompleteColumns.All, read.Format.Fields);

        // The bing.com flow has an empty fqdn (two spaces): it is null and nothing after it shifts.
        var bing = read.Records.First(r => r["c_ip"] == "192.168.10.100");
        Assert.Null(bing["fqdn"]);
        Assert.Equal("62.101.93.101", bing["dns_rslv"]);
        Assert.Equal("bing.com", bing["c_ssl_SNI"]);
        Assert.StartsWith("14250", bing["res_tm"], StringComparison.Ordinal);

        var google = read.Records[0];
        Assert.Equal("127.0.0.1", google["c_ip"]);
        Assert.Equal("443", google["s_port"]);
        Assert.Null(google["dropbox_id"]); // '-'
        Assert.Equal("---", google["http_res"]);
        Assert.Equal("1425072600105.886963", google["first"]);
    }

    [Fact]
    public async Task A_header_with_another_column_set_is_read_by_name_and_unknown_names_are_text()
    {
        const string log = "#c_ip:1 s_port:2 my_extra:3 c_bytes_all:4\n10.0.0.1 443 hello 1500\n10.0.0.2 80  7\n";
        var read = await Read.TextAsync(log);

        Assert.Equal(["c_ip", "s_port", "my_extra", "c_bytes_all"], read.Format!.Fields.Select(f => f.Name));
        Assert.Equal(FieldType.Address, read.Format.Fields[0].Type);
        Assert.Equal(FieldType.Port, read.Format.Fields[1].Type);
        Assert.Equal(FieldType.Text, read.Format.Fields[2].Type);
        Assert.Equal(FieldType.Int64, read.Format.Fields[3].Type);
        Assert.Equal(2, read.Records.Count);
        Assert.Null(read.Records[1]["my_extra"]);
        Assert.Equal("7", read.Records[1]["c_bytes_all"]);

        // A dictionary field the format lacks resolves (typed) but reads as null.
        Assert.Equal(-1, read.Format.IndexOf("s_ip"));
        Assert.Equal(FieldType.Address, read.Format.Resolve("s_ip")!.Type);
        Assert.Null(read.Format.Resolve("no_such_field"));
    }

    [Fact]
    public async Task Column_numbers_in_the_header_are_counted_not_trusted()
    {
        // log_video_complete numbers two columns 90.
        var read = await Read.TextAsync("#c_ip:1 yt_mob_t:2 c_rate1:2 c_rate2:3\n1.2.3.4 1 2 3\n");
        Assert.Equal(4, read.Format!.FieldCount);
        Assert.Equal("3", read.Records[0]["c_rate2"]);
    }

    [Fact]
    public async Task A_last_line_without_newline_is_a_record_and_CRLF_is_tolerated()
    {
        var read = await Read.TextAsync("#a:1 b:2\r\n1 2\r\n3 4");
        Assert.Equal(2, read.Records.Count);
        Assert.Equal("4", read.Records[1]["b"]);
        Assert.Equal("2", read.Records[0]["b"]);
    }

    [Fact]
    public async Task A_line_with_the_wrong_field_count_is_reported_skipped_and_never_shifted()
    {
        var read = await Read.TextAsync("#a:1 b:2 c:3\n1 2 3\n1 2\n1 2 3 4\n7 8 9\n");
        Assert.Equal(["1", "7"], read.Records.Select(r => r["a"]));
        Assert.Equal(2, read.Statistics.Malformed);
        Assert.Equal(
            ["input.log:3: expected 3 fields, found 2; line skipped", "input.log:4: expected 3 fields, found 4; line skipped"],
            read.Problems.Select(p => p.ToString()));
    }

    [Fact]
    public async Task Repeated_headers_are_skipped_and_a_new_header_changes_the_columns()
    {
        var read = await Read.TextAsync("#a:1 b:2\n1 2\n#a:1 b:2\n3 4\n#x:1\n5\n# a comment\n6\n");
        Assert.Equal(4, read.Records.Count);
        Assert.Equal("5", read.Records[2]["x"]);
        Assert.Equal("6", read.Records[3]["x"]);
        Assert.Empty(read.Problems);
    }

    [Fact]
    public async Task An_unrecognisable_input_is_an_error_naming_the_file_and_what_it_starts_with()
    {
        var garbage = new MemoryStream([0x00, 0xFF, 0x13, 0x37, (byte)'\n', 1, 2, 3]);
        var error = await Assert.ThrowsAsync<LogFormatException>(() => Read.StreamAsync(garbage, "junk.bin"));
        Assert.StartsWith("junk.bin:1: cannot recognise the format", error.Message, StringComparison.Ordinal);
        Assert.Contains("--method", error.Message, StringComparison.Ordinal);

        var forced = await Assert.ThrowsAsync<LogFormatException>(() => Read.TextAsync("1\t2\n", new RecordReaderOptions { Method = new TstatMethod() }));
        Assert.Contains("not a Tstat header", forced.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_input_has_no_records_and_no_error()
    {
        var read = await Read.TextAsync(string.Empty);
        Assert.Empty(read.Records);
        Assert.Null(read.Format);
    }

    [Fact]
    public async Task A_line_longer_than_the_limit_is_reported_and_the_rest_is_read()
    {
        var longLine = "1 " + new string('x', 300_000);
        var read = await Read.TextAsync($"#a:1 b:2\n1 2\n{longLine}\n3 4\n", new RecordReaderOptions { BufferSize = 4096, MaxLineLength = 65536 });
        Assert.Equal(["1", "3"], read.Records.Select(r => r["a"]));
        Assert.Contains(read.Problems, p => p.Message.Contains("longer than 65536 bytes", StringComparison.Ordinal) && p.Line == 3);
        Assert.Single(read.Problems); // one report for one line, however many buffers it spans
        Assert.Equal(1, read.Statistics.Malformed);
    }

    [Fact]
    public async Task Lines_straddling_buffer_refills_are_read_whole()
    {
        var lines = Enumerable.Range(0, 2000).Select(i => $"{i} {new string('y', i % 97)} 10.0.{i % 256}.1");
        var read = await Read.TextAsync("#n:1 pad:2 c_ip:3\n" + string.Join('\n', lines), new RecordReaderOptions { BufferSize = 1024 });
        Assert.Equal(2000, read.Records.Count);
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), read.Records.Select(r => r["n"]));
        Assert.Equal("10.0.207.1", read.Records[1999]["c_ip"]);
    }
}
