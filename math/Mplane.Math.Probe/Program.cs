// math_probe: ships finished Tstat log files to math_repo.
// The original's command line works unchanged: math_probe --config math_probe.xml --repoUrl host:port --startTime 2006-01-02T15:04:05
using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using Mplane.Configuration;
using Mplane.Math.Probe;
using Mplane.Math.Transfer;

var config = new Option<string>("--config") { Description = "math_probe.yaml, or the original's math_probe.xml (pull mode)", DefaultValueFactory = _ => "math_probe.xml" };
var repoUrl = new Option<string?>("--repoUrl") { Description = "The repository: host:port (pull, as the original) or a URL (push)." };
var startTime = new Option<string?>("--startTime") { Description = "The first period to ship, UTC (2006-01-02T15:04:05); a zone suffix is accepted." };
var once = new Option<bool>("--once") { Description = "Push mode: ship what is finished, then exit (0 when everything was acknowledged)." };
var final = new Option<bool>("--final") { Description = "With --once: the capture has ended, ship the newest period too." };
var root = new RootCommand("math_probe: ships finished Tstat logs to math_repo (push with resume and checksums, or the original's pull protocol).")
{
    config, repoUrl, startTime, once, final,
};
root.SetAction(async (parse, ct) =>
{
    var file = parse.GetValue(config)!;
    using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ssZ "; o.UseUtcTimestamp = true; }));
    var log = loggers.CreateLogger("math_probe");
    ProbeSettings settings;
    try
    {
        if (!File.Exists(file))
        {
            throw new ConfigurationException(file, null, "the configuration file does not exist");
        }

        var configuration = ProbeConfiguration.Read(file);
        if (parse.GetValue(repoUrl) is { } url)
        {
            configuration.Repository = url;
        }

        if (parse.GetValue(startTime) is { } start)
        {
            configuration.StartTime = start;
        }

        // Relative paths are the original's: from the working directory (the Tstat proxy changes into math_path).
        settings = configuration.Validate(file, Environment.CurrentDirectory);
    }
    catch (ConfigurationException e)
    {
        await Console.Error.WriteLineAsync($"math_probe: {e.Message}").ConfigureAwait(false);
        return 2;
    }

    await using var services = ProbeHttp.CreateServices(settings);
    if (settings.Mode == "pull")
    {
        var endpoint = settings.Listen.StartsWith("localhost:", StringComparison.Ordinal)
            ? new IPEndPoint(IPAddress.Loopback, int.Parse(settings.Listen["localhost:".Length..], System.Globalization.CultureInfo.InvariantCulture))
            : IPEndPoint.Parse(settings.Listen);
        var repositoryAddresses = await Dns.GetHostAddressesAsync(settings.Repository.Host, ct).ConfigureAwait(false);
        await using var server = PullServer.Build(settings, endpoint, [.. repositoryAddresses.Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a)]);
        await server.StartAsync(ct).ConfigureAwait(false);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct, server.Lifetime.ApplicationStopping); // SIGINT/SIGTERM reach the server's lifetime
        ct = stopping.Token;
        var registration = new Registration(settings.Listen, settings.StreamName, settings.StreamType, settings.StartTime.ToUnixTimeSeconds());
        try
        {
            var answer = await new Registrar(services.Factory(), loggers.CreateLogger<Registrar>()).RegisterAsync(settings.Repository, registration, ct).ConfigureAwait(false);
            log.LogInformation("Registered {Stream} at {Repository}: {Answer}; serving {Directory} on {Listen}", settings.StreamName, settings.Repository, answer, settings.Directory, settings.Listen);
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            log.LogError("{Error}", e.Message);
            return 1;
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }

    await using var ledger = await TransferLedger.OpenAsync(settings.LedgerPath, ct).ConfigureAwait(false);
    var uploader = new PushUploader(settings, services.Factory(), ledger, loggers.CreateLogger<PushUploader>()) { MaxAttempts = parse.GetValue(once) ? 8 : null };
    await using var status = settings.StatusListen is { } statusEndpoint ? ProbeStatusServer.Build(statusEndpoint, settings, uploader.Status) : null;
    using var statusStopping = CancellationTokenSource.CreateLinkedTokenSource(ct);
    if (status is not null)
    {
        await status.StartAsync(ct).ConfigureAwait(false);
        log.LogInformation("Status at http://{Endpoint}/status", settings.StatusListen);
        status.Lifetime.ApplicationStopping.Register(statusStopping.Cancel); // SIGINT/SIGTERM reach the status server's lifetime
        ct = statusStopping.Token;
    }

    try
    {
        do
        {
            var shipped = await uploader.PassAsync(includeNewest: parse.GetValue(final), ct).ConfigureAwait(false);
            if (parse.GetValue(once))
            {
                log.LogInformation("{Count} files shipped to {Repository}", shipped, settings.Repository);
                return 0;
            }

            await Task.Delay(settings.ScanInterval, ct).ConfigureAwait(false);
        }
        while (true);
    }
    catch (UploadRejectedException e)
    {
        log.LogError("{Error}", e.Message);
        return 1;
    }
    catch (OperationCanceledException) when (ct.IsCancellationRequested)
    {
        return 0;
    }
    catch (Exception e) when (e is HttpRequestException or IOException)
    {
        log.LogError("giving up: {Error}", e.Message);
        return 1;
    }
});
// SIGINT/SIGTERM: give in-flight work time to finish or be abandoned cleanly (the default is 2 s).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) }).ConfigureAwait(false);
