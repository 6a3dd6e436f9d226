// math_repo: receives Tstat logs from math_probe and hands them to the warehouse.
// Usage: math_repo --config FILE [--plain-http] [--plain-http-remote]
using System.CommandLine;
using Microsoft.Extensions.Logging;
using Mplane.Configuration;
using Mplane.Math.Repo;
using Mplane.Postgres;
using Npgsql;

var config = new Option<string>("--config") { Description = "math_repo.yaml, or the original's math_repo.xml", DefaultValueFactory = _ => "math_repo.yaml" };
var plain = new Option<bool>("--plain-http") { Description = "Serve plain HTTP (loopback peers only): needed by original math_probes, which know no TLS." };
var plainRemote = new Option<bool>("--plain-http-remote") { Description = "With --plain-http: accept other hosts too." };
var verbose = new Option<bool>("--verbose") { Description = "Log at debug level." };
var server = new Option<string?>("--server") { Description = "Accepted for hydra compatibility; ignored.", Hidden = true };
var name = new Option<string?>("--name") { Description = "Accepted for hydra compatibility; ignored.", Hidden = true };
var root = new RootCommand("math_repo: receives Tstat logs from math_probe (push over mutual TLS or tokens, or the original pull protocol), stores them durably and imports them.")
{
    config, plain, plainRemote, verbose, server, name,
};
root.SetAction(async (parse, ct) =>
{
    var file = parse.GetValue(config)!;
    using var loggers = LoggerFactory.Create(b => b
        .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ssZ "; o.UseUtcTimestamp = true; })
        .SetMinimumLevel(parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Information));
    RepoSettings settings;
    try
    {
        if (!File.Exists(file))
        {
            throw new ConfigurationException(file, null, "the configuration file does not exist");
        }

        var configuration = file.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) ? OriginalRepoConfiguration.Read(file) : RepoConfiguration.Read(file);
        configuration.PlainHttp |= parse.GetValue(plain);
        configuration.PlainHttpRemote |= parse.GetValue(plainRemote);
        settings = configuration.Validate(file, Path.GetDirectoryName(Path.GetFullPath(file))!);
        if (configuration.Authorizations.Count == 0)
        {
            // Default deny: say so at once rather than let every probe discover it as 403.
            loggers.CreateLogger("math_repo").LogWarning(
                "{File}: no authorizations are configured, so every stream is refused; add roles and authorizations (see conf/math_repo.yaml){Hint}",
                file, file.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) ? " in a YAML configuration: the original XML has none" : string.Empty);
        }
    }
    catch (ConfigurationException e)
    {
        await Console.Error.WriteLineAsync($"math_repo: {e.Message}").ConfigureAwait(false);
        return 2;
    }

    NpgsqlDataSource? warehouse = null;
    if (settings.Handler == "warehouse")
    {
        var home = ProjectHome.Discover();
        var resolved = await new DatabaseLocator(home, ProcessEnvironment.Instance, loggers).ResolveAsync(RepositoryConfiguration.Load(home), ct).ConfigureAwait(false);
        warehouse = NpgsqlDataSource.Create(resolved.ConnectionString);
    }

    await using (warehouse)
    {
        await using var host = await RepoHost.StartAsync(settings, warehouse, loggers, ct).ConfigureAwait(false);
        loggers.CreateLogger("math_repo").LogInformation(
            "math_repo listening on {Address} ({Mode}), spool {Spool}, handler {Handler}",
            host.Address, settings.Tls is not null ? "mutual TLS" : "plain HTTP", settings.Spool, settings.Handler);
        // SIGINT and SIGTERM reach the hosting lifetime first: it stops the server and signals Stopping.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, host.Stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    return 0;
});
// SIGINT/SIGTERM: give in-flight work time to finish or be abandoned cleanly (the default is 2 s).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) }).ConfigureAwait(false);
