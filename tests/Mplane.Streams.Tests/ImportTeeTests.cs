using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Streams.Engine;
using Mplane.Streams.Statements;
using Mplane.Testing;
using Mplane.Warehouse.Import;
using Mplane.Warehouse.Sql;
using Xunit;

namespace Mplane.Streams.Tests;

/// <summary>Stream tables fed from the import path: the Tstat samples imported into a stream teed into a stream table.</summary>
public sealed class ImportTeeTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private StreamCommands _commands = null!;
    private StreamTees _tees = null!;
    private Importer _importer = null!;
    private IReadOnlyList<string> _files = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("tees", TestTimeout.Token);
        _commands = new StreamCommands(_database.DataSource);
        _tees = new StreamTees(_database.DataSource);
        _importer = new Importer(_database.DataSource);
        _files = LogFormats.Scanning.InputFiles.Expand([TestPaths.TstatSamples]);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private async Task Run(string script)
    {
        foreach (var (_, statement, text) in StatementParser.ParseScript(script))
        {
            if (statement is not null)
            {
                await _commands.ExecuteAsync(statement, TestTimeout.Token);
            }
            else
            {
                await using var command = _database.DataSource.CreateCommand(text);
                await command.ExecuteNonQueryAsync(TestTimeout.Token);
            }
        }
    }

    private Task<long> Count(string from) => _database.ScalarAsync<long>($"SELECT count(*) FROM {from}");

    private Task<ImportResult> Import(string file) => _importer.ImportFileAsync(file, new ImportOptions { Stream = "log_tcp_complete" }, TestTimeout.Token);

    [Fact]
    public async Task Each_imported_row_reaches_the_stream_table_once_and_wakes_its_continuous_query()
    {
        await Run("""
            CREATE STREAM TABLE flows (c_ip inet, s_port integer, c_bytes_all bigint, unrelated text) SET WINDOW 100;
            CREATE FUNCTION https_bytes() RETURNS TABLE (flows bigint, bytes numeric) AS $$ SELECT count(*), sum(c_bytes_all) FROM flows WHERE s_port = 443 $$ LANGUAGE sql;
            START CONTINUOUS FUNCTION https_bytes() AS https;
            """);
        var said = await _tees.AddAsync("log_tcp_complete", Identifier.Of("flows"), TestTimeout.Token);
        Assert.Contains("no table yet", said, StringComparison.Ordinal);

        var rows = 0L;
        foreach (var file in _files)
        {
            rows += (await Import(file)).Rows;
            Assert.Equal(ImportStatus.AlreadyImported, (await Import(file)).Status); // a repeat feeds nothing
        }

        Assert.Equal(495, rows);
        Assert.Equal(rows, await _database.ScalarAsync<long>("SELECT count(*) FROM flows"));
        Assert.Equal(0L, await _database.ScalarAsync<long>(
            "SELECT count(*) FROM (SELECT c_ip, s_port, c_bytes_all FROM log_tcp_complete EXCEPT ALL SELECT c_ip, s_port, c_bytes_all FROM flows) missing"));
        Assert.Equal(rows, await _database.ScalarAsync<long>("SELECT count(*) FROM flows WHERE unrelated IS NULL"));

        // The window is full: the query runs once over every tuple, which the default stride (all seen) then removes.
        var net = new PetriNet(_database.DataSource, NullLogger<PetriNet>.Instance);
        Assert.Equal(1, await net.CycleAsync(TestTimeout.Token));
        Assert.Equal(0, await net.CycleAsync(TestTimeout.Token));
        Assert.Equal(0L, await Count("flows"));
        Assert.Equal(await Count("log_tcp_complete WHERE s_port = 443"), await _database.ScalarAsync<long>("SELECT flows FROM cquery.https"));
        Assert.Equal(
            await _database.ScalarAsync<decimal>("SELECT sum(c_bytes_all) FROM log_tcp_complete WHERE s_port = 443"),
            await _database.ScalarAsync<decimal>("SELECT bytes FROM cquery.https"));
    }

    [Fact]
    public async Task A_tee_that_cannot_take_the_rows_rejects_the_file_whole()
    {
        await Run("CREATE STREAM TABLE ports (s_port integer NOT NULL CHECK (s_port < 0));");
        await _tees.AddAsync("log_tcp_complete", Identifier.Of("ports"), TestTimeout.Token);

        var refused = await Assert.ThrowsAsync<ImportException>(() => Import(_files[0]));
        Assert.Contains(_files[0], refused.Message, StringComparison.Ordinal);
        Assert.Contains("\"public\".\"ports\"", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.imports"));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM ports"));

        await _tees.RemoveAsync("log_tcp_complete", Identifier.Of("ports"), TestTimeout.Token);
        Assert.Equal(ImportStatus.Imported, (await Import(_files[0])).Status);
    }

    [Fact]
    public async Task Tees_are_refused_to_what_is_not_a_stream_table_or_shares_no_column_and_a_fed_stream_table_cannot_be_dropped()
    {
        await Import(_files[0]);
        await Run("""
            CREATE TABLE plain (c_ip inet);
            CREATE STREAM TABLE strangers (nothing_in_common int);
            CREATE STREAM TABLE clients (c_ip inet);
            """);
        Assert.Contains("no stream table plain", (await Assert.ThrowsAsync<StreamException>(() => _tees.AddAsync("log_tcp_complete", Identifier.Of("plain"), TestTimeout.Token))).Message, StringComparison.Ordinal);
        Assert.Contains("no column in common", (await Assert.ThrowsAsync<StreamException>(() => _tees.AddAsync("log_tcp_complete", Identifier.Of("strangers"), TestTimeout.Token))).Message, StringComparison.Ordinal);
        Assert.Contains("Drop", (await Assert.ThrowsAsync<StreamException>(() => _tees.AddAsync("log_tcp_complete; Drop", Identifier.Of("clients"), TestTimeout.Token))).Message, StringComparison.Ordinal);

        Assert.Contains("insert c_ip", await _tees.AddAsync("log_tcp_complete", Identifier.Of("clients"), TestTimeout.Token), StringComparison.Ordinal);
        var refused = await Assert.ThrowsAsync<StreamException>(() => _commands.ExecuteAsync(StatementParser.Parse("DROP STREAM TABLE clients"), TestTimeout.Token));
        Assert.Contains("fed by the import of log_tcp_complete", refused.Message, StringComparison.Ordinal);

        Assert.Single(await _tees.ListAsync(TestTimeout.Token));
        await _tees.RemoveAsync("log_tcp_complete", Identifier.Of("clients"), TestTimeout.Token);
        await Assert.ThrowsAsync<StreamException>(() => _tees.RemoveAsync("log_tcp_complete", Identifier.Of("clients"), TestTimeout.Token));
        await _commands.ExecuteAsync(StatementParser.Parse("DROP STREAM TABLE clients"), TestTimeout.Token);
    }
}
