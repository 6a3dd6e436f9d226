using Microsoft.Extensions.Logging;
using Mplane.Streams.Engine;
using Npgsql;

namespace Mplane.Host.Hosting;

/// <summary>
/// The continuous queries' scheduler. One runs per database: in a second host this module fails with
/// "another scheduler runs" and is restarted after its penalty, a standby that takes over when the first ends.
/// </summary>
public sealed class StreamsModule(NpgsqlDataSource dataSource, TimeSpan cycle, ILoggerFactory loggers) : IRepositoryModule
{
    /// <inheritdoc />
    public string Name => "streams";

    /// <inheritdoc />
    public Task RunAsync(CancellationToken cancellationToken) =>
        new PetriNet(dataSource, loggers.CreateLogger<PetriNet>()).RunAsync(cycle, cancellationToken);
}
