using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Configuration;
using Mplane.Host.Hosting;
using Mplane.Math.Transfer;
using Mplane.Testing;

namespace Mplane.Host.Tests;

/// <summary>The importer module's quarantine: a refused file moves out of its folder with its error, and back in to be retried.</summary>
public sealed class ImporterQuarantineTests : IAsyncLifetime
{
    private const string Header = "#c_ip:1 c_port:2 c_pkts_all:3 s_ip:4 s_port:5 s_ack_cnt:6\n";
    private const string Good = "2015/02-Feb/2015_02_27_22_30.out/log_tcp_complete";
    private const string Garbage = "2015/02-Feb/2015_02_27_22_35.out/log_tcp_complete";
    private const string Newest = "2015/02-Feb/2015_02_27_22_40.out/log_tcp_complete";

    private readonly TemporaryDirectory _directory = new("importerq");
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("importerq", TestTimeout.Token);

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_refused_file_is_quarantined_with_its_error_and_imported_once_fixed_and_moved_back()
    {
        var logs = _directory.Combine("logs");
        Write(logs, Good, Header + "10.0.0.1 1 2 10.0.0.2 80 3\n");
        var garbage = Write(logs, Garbage, "\u0001\u0002 not a log\n");
        Write(logs, Newest, Header); // held back: Tstat may still write it
        var quarantine = new Quarantine(_directory.Combine("quarantine"));
        var module = new ImporterModule(_database.DataSource, [new ImportFolder(logs, "q", "log_tcp_complete", DateTimeOffset.MinValue)], TimeSpan.FromMilliseconds(100), quarantine, NullLoggerFactory.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestTimeout.Token);
        var running = module.RunAsync(stop.Token);

        var quarantined = quarantine.PathOf("q", Garbage);
        await Eventually(() => File.Exists(quarantined));
        Assert.False(File.Exists(garbage));
        var error = await File.ReadAllTextAsync(quarantined + Quarantine.ErrorSuffix, TestTimeout.Token);
        Assert.Contains($"file: {garbage}\n", error, StringComparison.Ordinal);
        Assert.Contains($"error: {garbage}:1: cannot recognise the format", error, StringComparison.Ordinal);
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM q"));

        // Fixed by the operator and moved back: imported at a next round.
        await File.WriteAllTextAsync(quarantined, Header + "10.0.0.3 1 2 10.0.0.4 80 3\n10.0.0.5 1 2 10.0.0.6 80 3\n", TestTimeout.Token);
        File.Move(quarantined, garbage);
        File.Delete(quarantined + Quarantine.ErrorSuffix);
        for (var i = 0; i < 200 && await _database.ScalarAsync<long>("SELECT count(*) FROM q") < 3; i++)
        {
            await Task.Delay(50, TestTimeout.Token);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal(3L, await _database.ScalarAsync<long>("SELECT count(*) FROM q"));
        Assert.Equal(2L, await _database.ScalarAsync<long>("SELECT count(*) FROM mplane.imports"));
    }

    [Theory]
    [InlineData("logs/quarantine")]
    [InlineData(".")]
    public void A_quarantine_overlapping_an_import_folder_is_refused(string quarantine)
    {
        var file = _directory.Combine("repository.yaml");
        File.WriteAllText(file, $"modules:\n  importer:\n    quarantine: {quarantine}\n    folders:\n      - path: logs\n        stream: q\n");
        var configuration = RepositoryConfiguration.Load(new ProjectHome(_directory.Path), file);

        var error = Assert.Throws<ConfigurationException>(() => RepositoryModules.Create(configuration, file, ["importer"], _database.DataSource, NullLoggerFactory.Instance));
        Assert.Contains("modules.importer.quarantine", error.Message, StringComparison.Ordinal);
        Assert.Contains("overlaps the import folder", error.Message, StringComparison.Ordinal);
    }

    private static string Write(string root, string relative, string content)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private static async Task Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50, TestTimeout.Token);
        }

        Assert.True(condition());
    }
}
