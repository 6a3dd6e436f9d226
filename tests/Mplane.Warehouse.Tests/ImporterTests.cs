using System.IO.Compression;
using Mplane.LogFormats.Reading;
using Mplane.LogFormats.Scanning;
using Mplane.Testing;
using Mplane.Warehouse.Import;

namespace Mplane.Warehouse.Tests;

public sealed class ImporterTests : IAsyncLifetime
{
    private readonly TemporaryDirectory _directory = new("import");
    private TestDatabase _database = null!;
    private Importer _importer = null!;

    private static IReadOnlyList<string> TstatSamples => InputFiles.Expand([TestPaths.TstatSamples]);

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("import", TestTimeout.Token);
        _importer = new Importer(_database.DataSource);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task The_real_Tstat_samples_land_in_one_partition_per_window_with_typed_columns()
    {
        foreach (var file in TstatSamples)
        {
            var result = await Import(file, "tcp");
            Assert.Equal(ImportStatus.Imported, result.Status);
            Assert.Equal(165, result.Rows);
            Assert.Equal(0, result.Rejected);
            Assert.False(result.Late);
        }

        Assert.Equal(495L, await _database.ScalarAsync<long>("SELECT count(*) FROM public.tcp"));
        Assert.Equal(3L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.partitions WHERE table_name = 'tcp'"));
        Assert.Equal(495L, await _database.ScalarAsync<long>("SELECT sum(row_count)::bigint FROM mplane.partitions WHERE table_name = 'tcp'"));
        Assert.Equal(165L, await _database.ScalarAsync<long>("SELECT count(*) FROM public.tcp_1425076200")); // 2015-02-27 22:30 UTC
        Assert.Equal(
            "inet,integer,bigint,timestamp with time zone,boolean,double precision,text",
            await _database.ScalarAsync<string>(
                """
                SELECT string_agg(format_type(atttypid, atttypmod), ',' ORDER BY array_position(array['c_ip','c_port','c_bytes_all','first','c_isint','durat','fqdn'], attname::text))
                FROM pg_attribute WHERE attrelid = 'public.tcp'::regclass AND attname IN ('c_ip','c_port','c_bytes_all','first','c_isint','durat','fqdn')
                """));

        // Empty fields and '-' are NULL; the empty fqdn of the bing flow did not shift dns_rslv.
        Assert.Equal(165L, await _database.ScalarAsync<long>("SELECT count(*) FROM tcp WHERE fqdn IS NULL AND dns_rslv = '62.101.93.101'"));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM tcp WHERE dropbox_id IS NOT NULL"));
        Assert.Equal(
            new DateTime(2015, 2, 27, 21, 30, 0, 105, 887, DateTimeKind.Utc), // 105.886963 ms, to the microsecond
            await _database.ScalarAsync<DateTime>("SELECT min(first) FROM tcp WHERE c_ip = '127.0.0.1'"));
        Assert.Equal(3L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.imports WHERE stream = 'tcp'"));
    }

    [Fact]
    public async Task Importing_the_same_file_again_is_a_no_op_that_says_so()
    {
        var file = TstatSamples[0];
        var first = await Import(file, "again");
        var second = await Import(file, "again");
        Assert.Equal(ImportStatus.AlreadyImported, second.Status);
        Assert.Equal(first.Sha256, second.Sha256);
        Assert.Equal(165L, await _database.ScalarAsync<long>("SELECT count(*) FROM again"));
    }

    [Fact]
    public async Task The_same_content_under_another_path_is_a_duplicate_that_says_where_it_was_imported()
    {
        var first = CopyToLayout(TstatSamples[0], "a/2015_02_27_22_30.out");
        var copy = CopyToLayout(TstatSamples[0], "b/2015_02_27_22_30.out");
        var imported = await Import(first, "copies");
        var duplicate = await Import(copy, "copies");
        Assert.Equal(ImportStatus.Duplicate, duplicate.Status);
        Assert.Equal(imported.Path, duplicate.DuplicateOf);
        Assert.Equal(165L, await _database.ScalarAsync<long>("SELECT count(*) FROM copies"));
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.imports WHERE stream = 'copies'"));

        // Files without rows are alike (a header only) yet each closes its own window.
        var empty1 = Write("2015_02_27_23_00.out/log_tcp_complete", "#c_ip:1 c_port:2\n");
        var empty2 = Write("2015_02_27_23_05.out/log_tcp_complete", "#c_ip:1 c_port:2\n");
        Assert.Equal(ImportStatus.Imported, (await Import(empty1, "empties")).Status);
        Assert.Equal(ImportStatus.Imported, (await Import(empty2, "empties")).Status);
    }

    [Fact]
    public async Task A_different_file_under_an_imported_name_is_an_error_naming_both_checksums()
    {
        var file = CopyToLayout(TstatSamples[0], "2015_02_27_22_30.out");
        var first = await Import(file, "changed");
        await File.AppendAllTextAsync(file, File.ReadLines(file).ElementAt(1) + "\n", TestTimeout.Token);

        var error = await Assert.ThrowsAsync<ImportException>(() => Import(file, "changed"));
        Assert.Contains(first.Sha256, error.Message, StringComparison.Ordinal);
        Assert.Contains(await HashOf(file), error.Message, StringComparison.Ordinal);
        Assert.Equal(165L, await _database.ScalarAsync<long>("SELECT count(*) FROM changed"));
    }

    [Fact]
    public async Task A_failure_mid_import_leaves_no_rows_of_the_file_and_it_then_imports_once()
    {
        // Many rows, then a corrupt gzip tail: rows are already COPYed when reading fails.
        var plain = CopyToLayout(TstatSamples[0], "2015_02_27_22_30.out");
        var big = string.Concat(Enumerable.Repeat(string.Join('\n', File.ReadLines(plain).Skip(1)) + "\n", 40));
        await File.WriteAllTextAsync(plain, File.ReadLines(plain).First() + "\n" + big, TestTimeout.Token);
        var gz = plain + ".gz";
        await using (var output = File.Create(gz))
        await using (var zip = new GZipStream(output, CompressionLevel.Fastest))
        await using (var input = File.OpenRead(plain))
        {
            await input.CopyToAsync(zip, TestTimeout.Token);
        }

        var whole = await File.ReadAllBytesAsync(gz, TestTimeout.Token);
        await File.WriteAllBytesAsync(gz, whole[..(whole.Length * 9 / 10)], TestTimeout.Token);
        var error = await Assert.ThrowsAsync<ImportException>(() => Import(gz, "crash"));
        Assert.Contains("corrupt or truncated", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.imports"));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname LIKE 'crash%'")); // not even the table

        await File.WriteAllBytesAsync(gz, whole, TestTimeout.Token); // the full file arrives
        Assert.Equal(165 * 40, (await Import(gz, "crash")).Rows);
        Assert.Equal(ImportStatus.AlreadyImported, (await Import(gz, "crash")).Status);
        Assert.Equal(165L * 40, await _database.ScalarAsync<long>("SELECT count(*) FROM crash"));
    }

    [Fact]
    public async Task Mawi_summaries_import_with_decoded_addresses_and_row_times()
    {
        var files = InputFiles.Expand([TestPaths.MawiSamples]);
        var options = new ImportOptions { Stream = "mawi", Window = TimeSpan.FromMinutes(15), WindowSource = WindowSource.Row };
        long rows = 0;
        foreach (var file in files)
        {
            rows += (await _importer.ImportFileAsync(file, options, TestTimeout.Token)).Rows;
        }

        Assert.Equal(41833, rows);
        Assert.Equal(41833L, await _database.ScalarAsync<long>("SELECT count(*) FROM mawi"));
        Assert.Equal(1L, await _database.ScalarAsync<long>(
            "SELECT count(*) FROM mawi WHERE server_ip = '192.218.242.48' AND user_ip = '193.52.232.189' AND server_port = 33946"));
        Assert.Equal(5L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.partitions WHERE table_name = 'mawi'"));
        Assert.Equal(
            new DateTime(2009, 3, 31, 11, 0, 0, DateTimeKind.Utc),
            await _database.ScalarAsync<DateTime>("SELECT min(serial_time) FROM mawi"));
    }

    [Fact]
    public async Task Another_log_kind_is_imported_by_its_header_with_unknown_columns_as_text()
    {
        var file = Write("2015_02_27_22_30.out/log_video_complete", "#c_ip:1 s_port:2 yt_id16:3 c_rate1:4\n10.0.0.1 443 XXXA 17\n10.0.0.2 80 -- 5");
        var result = await Import(file, "video");
        Assert.Equal(2, result.Rows);
        Assert.Equal("text", await _database.ScalarAsync<string>("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'video'::regclass AND attname = 'c_rate1'"));
        Assert.Equal("XXXA", await _database.ScalarAsync<string>("SELECT yt_id16 FROM video WHERE c_ip = '10.0.0.1'"));
    }

    [Fact]
    public async Task Bad_rows_are_reported_with_file_and_line_and_the_rest_imports()
    {
        var good = Enumerable.Range(1, 200).Select(i => $"10.0.0.{i % 250} {1000 + i}");
        var file = Write("2015_02_27_22_30.out/log_tcp_complete", "#c_ip:1 c_port:2\n" + string.Join('\n', good) + "\n10.0.0.1\n10.0.0.x 80\n10.0.0.2 99999999999\n");
        var problems = new List<ReadProblem>();
        var importer = new Importer(_database.DataSource) { OnProblem = problems.Add };
        var result = await importer.ImportFileAsync(file, new ImportOptions { Stream = "partial" }, TestTimeout.Token);

        Assert.Equal(200, result.Rows);
        Assert.Equal(3, result.Rejected);
        Assert.Equal(
            [$"{file}:202: expected 2 fields, found 1; line skipped", $"{file}:203: field c_ip: '10.0.0.x' is not a valid inet", $"{file}:204: field c_port: '99999999999' is not a valid integer"],
            problems.Select(p => p.ToString()));
        Assert.Equal(3L, await _database.ScalarAsync<long>("SELECT rejected_rows FROM mplane.imports WHERE stream = 'partial'"));
    }

    [Fact]
    public async Task Every_column_type_round_trips_through_binary_copy()
    {
        var file = Write("2015_02_27_22_30.out/log_tcp_complete",
            "#c_ip:1 s_ip:2 s_port:3 c_bytes_all:4 durat:5 first:6 c_isint:7 fqdn:8\n" +
            "2001:db8::7 10.1.2.3 443 9000000000 0.25 1425076200123.456789 1 www.example.org\n" +
            "::ffff:10.0.0.1 fe80::1 80 - 1e3 0 0 caf\u00e9.example\n");
        Assert.Equal(2, (await Import(file, "types")).Rows);
        Assert.Equal("2001:db8::7|10.1.2.3|443|9000000000|0.25|2015-02-27 22:30:00.123457+00|t|www.example.org",
            await _database.ScalarAsync<string>("SELECT concat_ws('|', host(c_ip), host(s_ip), s_port, c_bytes_all, durat, first, c_isint, fqdn) FROM types WHERE s_port = 443"));
        Assert.Equal("::ffff:10.0.0.1|fe80::1|80|1000|1970-01-01 00:00:00+00|f|caf\u00e9.example",
            await _database.ScalarAsync<string>("SELECT concat_ws('|', host(c_ip), host(s_ip), s_port, durat, first, c_isint, fqdn) FROM types WHERE s_port = 80"));
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM types WHERE c_bytes_all IS NULL"));
    }

    [Fact]
    public async Task Text_that_is_not_utf8_is_a_rejected_row_not_a_failed_copy()
    {
        var path = _directory.Combine("2015_02_27_22_30.out", "log_tcp_complete");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, [.. "#c_ip:1 fqdn:2\n10.0.0.1 ok.example\n10.0.0.2 bad"u8, 0xC3, 0x28, (byte)'\n', .. "10.0.0.3 zero\0byte\n"u8], TestTimeout.Token);
        var problems = new List<ReadProblem>();
        var result = await new Importer(_database.DataSource) { OnProblem = problems.Add }.ImportFileAsync(path, new ImportOptions { Stream = "utf" }, TestTimeout.Token);
        Assert.Equal(1, result.Rows);
        Assert.Equal(2, result.Rejected);
        Assert.All(problems, p => Assert.Contains("field fqdn", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_mostly_broken_file_is_rejected_whole()
    {
        var lines = Enumerable.Range(1, 100).Select(i => i % 3 == 0 ? $"10.0.0.1 {i}" : "garbage");
        var file = Write("2015_02_27_22_30.out/log_tcp_complete", "#c_ip:1 c_port:2\n" + string.Join('\n', lines));
        var error = await Assert.ThrowsAsync<ImportException>(() => Import(file, "broken"));
        Assert.Contains("67 of 100 lines rejected, over the error budget", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.imports"));
    }

    [Fact]
    public async Task A_file_for_an_already_closed_window_is_late()
    {
        var later = Write("2015_02_27_22_40.out/log_tcp_complete", "#c_ip:1 c_port:2\n10.0.0.1 1");
        var earlier = Write("2015_02_27_22_30.out/log_tcp_complete", "#c_ip:1 c_port:2\n10.0.0.2 2");
        Assert.False((await Import(later, "late")).Late);
        Assert.True((await Import(earlier, "late")).Late);
        Assert.Equal(
            new DateTime(2015, 2, 27, 22, 40, 0, DateTimeKind.Utc),
            await _database.ScalarAsync<DateTime>("SELECT complete_before FROM mplane.stream_progress WHERE stream = 'late'"));
    }

    [Fact]
    public async Task Configured_indexes_are_built_on_partitions_once_their_window_is_closed()
    {
        var files = TstatSamples;
        var options = new ImportOptions { Stream = "indexed", Indexes = ["c_ip", "s_port"] };
        await _importer.ImportFileAsync(files[0], options, TestTimeout.Token);
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'indexed_%'")); // still open

        await _importer.ImportFileAsync(files[1], options, TestTimeout.Token); // closes the first window
        Assert.Equal(2L, await _database.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE tablename = 'indexed_1425076200'")); // 22:30
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE tablename = 'indexed_1425079800'"));

        await _importer.MarkCompleteAsync("public", "indexed", TestTimeout.Token);
        Assert.Equal(4L, await _database.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'indexed_%'"));
        Assert.Equal(2L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.partitions WHERE table_name = 'indexed' AND indexed"));

        var bad = await Assert.ThrowsAsync<ArgumentException>(() => _importer.ImportFileAsync(files[2], options with { Indexes = ["no_such_column"] }, TestTimeout.Token));
        Assert.Contains("has no such column", bad.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp; DROP TABLE mplane.imports", "table name 'tcp; DROP TABLE mplane.imports' is not allowed")]
    [InlineData("Tcp", "table name 'Tcp' is not allowed")]
    [InlineData("a_name_that_is_far_too_long_for_a_continuous_table_xyz", "longer than 48 characters")]
    public async Task Stream_names_are_validated_before_any_SQL(string stream, string message)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Import(TstatSamples[0], stream));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private Task<ImportResult> Import(string file, string stream) =>
        _importer.ImportFileAsync(file, new ImportOptions { Stream = stream }, TestTimeout.Token);

    private string Write(string relative, string content)
    {
        var path = _directory.Combine(relative.Split('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private string CopyToLayout(string source, string outFolder)
    {
        var target = _directory.Combine(outFolder, Path.GetFileName(source));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(source, target, overwrite: true);
        return target;
    }

    private static async Task<string> HashOf(string file) =>
        Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(File.OpenRead(file), TestTimeout.Token));
}
