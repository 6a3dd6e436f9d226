using System.Diagnostics;
using Mplane.Testing;
using Mplane.Warehouse.Import;

namespace Mplane.Warehouse.Tests;

/// <summary>Files the importer refuses whole, and the one refusal that is only "not yet" (a file still changing).</summary>
public sealed class ImporterRefusalTests : IAsyncLifetime
{
    private const string TcpHeader = "#c_ip:1 c_port:2 c_pkts_all:3 s_ip:4 s_port:5 s_ack_cnt:6\n";

    private readonly TemporaryDirectory _directory = new("refusal");
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("refusal", TestTimeout.Token);

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task An_empty_file_is_refused_so_that_its_name_stays_free_for_the_real_file()
    {
        var empty = Write("2015_02_27_22_30.out/log_tcp_complete", string.Empty);
        var e = await Assert.ThrowsAsync<ImportException>(() => Import(empty, "empty"));
        Assert.StartsWith($"{empty}: the file is empty (0 bytes, no header line)", e.Message, StringComparison.Ordinal);
        Assert.False(e.Retryable);

        // The real file under that name later is imported.
        File.WriteAllText(empty, TcpHeader + "10.0.0.1 1 2 10.0.0.2 80 3\n");
        Assert.Equal(1, (await Import(empty, "empty")).Rows);
    }

    [Fact]
    public async Task A_header_of_another_log_kind_than_the_table_holds_is_refused_naming_the_file_and_line()
    {
        await Import(Write("2015_02_27_22_30.out/log_tcp_complete", TcpHeader + "10.0.0.1 1 2 10.0.0.2 80 3\n"), "kinds");
        var udp = Write("2015_02_27_22_35.out/log_tcp_complete", "#c_ip:1 c_port:2 c_first_abs:3 c_bytes_all:4 s_ip:5 s_port:6\n10.0.0.1 1 2 3 10.0.0.2 53\n");

        var e = await Assert.ThrowsAsync<ImportException>(() => Import(udp, "kinds"));
        Assert.StartsWith($"{udp}:2: the header is of a tstat log, but \"public\".\"kinds\" holds log_tcp_complete logs", e.Message, StringComparison.Ordinal);
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM kinds"));

        // A table made from a log of no known kind takes any headed log, as before.
        await Import(Write("2015_02_27_22_40.out/x", "#c_ip:1 c_port:2\n10.0.0.1 1\n"), "generic");
        Assert.Equal(1, (await Import(Write("2015_02_27_22_45.out/x", "#c_ip:1 s_port:2\n10.0.0.1 2\n"), "generic")).Rows);
    }

    [Fact]
    public async Task A_gzip_cut_short_is_refused_with_its_own_error_not_the_servers_complaint_about_an_unfinished_COPY()
    {
        // Cut before the first rows are sent: ending the COPY then (rather than abandoning it) made the
        // server complain of an empty input ("COPY file signature not recognized"), which hid this error.
        var text = TcpHeader + string.Concat(Enumerable.Range(0, 2_000).Select(i => $"10.0.{i / 250 % 250}.{i % 250 + 1} {i % 60000} 2 10.1.0.1 80 3\n"));
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(System.Text.Encoding.ASCII.GetBytes(text));
        }

        var cut = _directory.Combine("2015_02_27_22_30.out", "log_tcp_complete.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(cut)!);
        await File.WriteAllBytesAsync(cut, compressed.ToArray()[..(int)(compressed.Length / 2)], TestTimeout.Token);

        var e = await Assert.ThrowsAsync<ImportException>(() => Import(cut, "cut"));
        Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(cut)}: the input is corrupt or truncated after \d+ decompressed bytes \(line \d+\)", e.Message);
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.imports"));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT coalesce(sum(row_count), 0)::bigint FROM mplane.partitions"));
    }

    [Fact]
    public async Task A_file_that_changes_while_it_is_read_is_refused_as_retryable()
    {
        // A named pipe is a file whose size (0) never matches what is read from it: the deterministic
        // form of a file still being written.
        var pipe = _directory.Combine("2015_02_27_22_30.out", "log_tcp_complete");
        Directory.CreateDirectory(Path.GetDirectoryName(pipe)!);
        using (var mkfifo = Process.Start("mkfifo", [pipe]))
        {
            await mkfifo.WaitForExitAsync(TestTimeout.Token);
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var import = Import(pipe, "changing");
        var writing = Task.Run(async () =>
        {
            // Opening blocks until the importer opens the pipe to read it.
            await using var writer = new FileStream(pipe, FileMode.Open, FileAccess.Write);
            await writer.WriteAsync(System.Text.Encoding.ASCII.GetBytes(TcpHeader + "10.0.0.1 1 2 10.0.0.2 80 3\n"), TestTimeout.Token);
        });

        var e = await Assert.ThrowsAsync<ImportException>(() => import);
        await writing.WaitAsync(TestTimeout.Token);
        Assert.True(e.Retryable);
        Assert.Contains("the file changed while it was read", e.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.imports"));
    }

    private Task<ImportResult> Import(string path, string stream) =>
        new Importer(_database.DataSource).ImportFileAsync(path, new ImportOptions { Stream = stream }, TestTimeout.Token);

    private string Write(string relative, string content)
    {
        var path = _directory.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }
}
