using Microsoft.AspNetCore.Builder;
using Mplane.Testing;

namespace Mplane.Host.Tests;

/// <summary>
/// One database with the dashboard's test data (<see cref="DashboardTestData"/>) and one status server
/// over it, shared by a test class's tests: filling the database is the slow part, and the tests only read.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    /// <summary>The database.</summary>
    public TestDatabase Database { get; private set; } = null!;

    /// <summary>The server, started.</summary>
    public WebApplication App { get; private set; } = null!;

    /// <summary>A client of the server that does not follow redirects.</summary>
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await DashboardTestData.CreateAsync("dashboardapi", TestTimeout.Token);
        App = StatusServer.Build(Database.DataSource, port: 0);
        await App.StartAsync(TestTimeout.Token);
        Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = StatusServer.Address(App) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await App.DisposeAsync();
        await Database.DisposeAsync();
    }
}
