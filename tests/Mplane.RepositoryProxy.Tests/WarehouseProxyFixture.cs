using Mplane.LogFormats.Scanning;
using Mplane.RepositoryProxy;
using Mplane.Testing;
using Mplane.Warehouse.Import;
using Xunit;

namespace Mplane.RepositoryProxy.Tests;

/// <summary>A test database holding the three real Tstat sample files in log_tcp_complete (495 flows, 165 per hour).</summary>
public sealed class WarehouseProxyFixture : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, string> Metadata = RepositoryCapabilities.Metadata("repository-Proxy", "0.1");

    public TestDatabase Database { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync("proxy", TestTimeout.Token);
        var importer = new Importer(Database.DataSource);
        foreach (var file in InputFiles.Expand([TestPaths.TstatSamples], "log_tcp_complete"))
        {
            await importer.ImportFileAsync(file, new ImportOptions { Stream = "log_tcp_complete" }, TestTimeout.Token);
        }
    }

    public async Task DisposeAsync() => await Database.DisposeAsync();
}
