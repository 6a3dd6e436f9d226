using Microsoft.Extensions.Logging;
using Mplane.RepositoryProxy;
using Npgsql;

namespace Mplane.Host.Hosting;

/// <summary>The mPlane repository proxy (repository-collect_log, list_tables, query_view, anomalies), from its reference-style <c>.conf</c>.</summary>
public sealed class ProxyModule : IRepositoryModule
{
    private readonly string _conf;
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILoggerFactory _loggers;

    private ProxyModule(string conf, NpgsqlDataSource dataSource, ILoggerFactory loggers)
    {
        _conf = conf;
        _dataSource = dataSource;
        _loggers = loggers;
    }

    /// <inheritdoc />
    public string Name => "proxy";

    /// <summary>Checks <paramref name="conf"/> and makes the module.</summary>
    /// <exception cref="Mplane.Configuration.ConfigurationException">The conf is wrong (its message names the file, section and key).</exception>
    public static ProxyModule Create(string conf, NpgsqlDataSource dataSource, ILoggerFactory loggers)
    {
        try
        {
            ProxyRunner.Validate(conf);
        }
        catch (Mplane.Components.Runtime.ComponentConfException e)
        {
            // The message names the file already: "{conf}: [section] key problem".
            var problem = e.Message.StartsWith(conf + ": ", StringComparison.Ordinal) ? e.Message[(conf.Length + 2)..] : e.Message;
            throw new Mplane.Configuration.ConfigurationException(conf, null, problem, inner: e);
        }

        return new ProxyModule(conf, dataSource, loggers);
    }

    /// <inheritdoc />
    public Task RunAsync(CancellationToken cancellationToken) => ProxyRunner.RunAsync(_conf, _dataSource, _loggers, cancellationToken);
}
