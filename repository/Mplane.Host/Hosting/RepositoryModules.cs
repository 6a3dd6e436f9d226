using System.Globalization;
using Microsoft.Extensions.Logging;
using Mplane.Analysis;
using Mplane.Configuration;
using Mplane.Math.Repo;
using Mplane.Math.Transfer;
using Mplane.Warehouse.Jobs;
using Mplane.Warehouse.Retention;
using Mplane.Warehouse.Tables;
using Npgsql;

namespace Mplane.Host.Hosting;

/// <summary>
/// The modules a host runs, built from <c>conf/repository.yaml</c>: every selected module's settings
/// and its own configuration files are read and checked here, before anything starts, so that a
/// mistake stops the host at once with the file, key and problem (never a module crash-looping on it).
/// </summary>
public static class RepositoryModules
{
    /// <summary>Every module's name, in the order they start.</summary>
    public static readonly IReadOnlyList<string> Names = ["status", "math_repo", "importer", "scheduler", "retention", "analysis", "proxy", "streams"];

    /// <summary>The names <paramref name="only"/> selects, or the enabled modules; an unknown name is refused.</summary>
    public static IReadOnlyList<string> Select(ModulesSection modules, IReadOnlyCollection<string>? only, string source)
    {
        if (only is { Count: > 0 })
        {
            var unknown = only.Where(n => !Names.Contains(n)).ToList();
            if (unknown.Count > 0)
            {
                throw new ConfigurationException(source, "--only", $"no module {string.Join(", ", unknown)}; the modules are {string.Join(", ", Names)}");
            }

            return Names.Where(only.Contains).ToList();
        }

        return Names.Where(n => Section(modules, n).Enabled).ToList();
    }

    /// <summary>Builds the selected modules, checking their settings; paths are relative to <paramref name="source"/>'s folder.</summary>
    /// <exception cref="ConfigurationException">A setting or a module's configuration file is wrong.</exception>
    public static IReadOnlyList<IRepositoryModule> Create(
        RepositoryConfiguration configuration, string source, IReadOnlyCollection<string>? only, NpgsqlDataSource dataSource, ILoggerFactory loggers)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(source))!;
        string PathOf(string path) => Path.GetFullPath(Path.Combine(folder, path));
        var m = configuration.Modules;
        return Select(m, only, source).Select<string, IRepositoryModule>(name => name switch
        {
            "status" => new StatusModule(dataSource, Listen(configuration.Host.Listen, source), loggers),
            "math_repo" => new MathRepoModule(MathRepo(Required(m.MathRepo.Config, source, "modules.math_repo.config", PathOf)), dataSource, loggers),
            "importer" => Importer(m.Importer, source, PathOf, dataSource, loggers),
            "scheduler" => new SchedulerModule(
                dataSource,
                JobFile.LoadDirectory(Folder(m.Scheduler.Jobs, source, "modules.scheduler.jobs", PathOf)),
                new SchedulerOptions { Parallelism = m.Scheduler.Parallel is >= 1 and <= 64 ? m.Scheduler.Parallel : throw new ConfigurationException(source, "modules.scheduler.parallel", "must be from 1 to 64") },
                Span(m.Scheduler.Poll, source, "modules.scheduler.poll"),
                loggers),
            "retention" => new RetentionModule(
                dataSource, RetentionPolicy.FromConfiguration(configuration.Retention, source), Span(m.Retention.Interval, source, "modules.retention.interval"), loggers.CreateLogger<RetentionModule>()),
            "analysis" => new AnalysisModule(
                dataSource,
                AnalysisConfiguration.Load(new ProjectHome(folder), Required(m.Analysis.Config, source, "modules.analysis.config", PathOf)),
                Span(m.Analysis.Interval, source, "modules.analysis.interval"),
                loggers),
            "proxy" => ProxyModule.Create(Required(m.Proxy.Config, source, "modules.proxy.config", PathOf), dataSource, loggers),
            "streams" => new StreamsModule(dataSource, Span(m.Streams.Cycle, source, "modules.streams.cycle"), loggers),
            _ => throw new ConfigurationException(source, "--only", $"no module {name}"),
        }).ToList();
    }

    /// <summary>The longest shutdown timeout: the command line ends the process a minute after SIGTERM whatever happens.</summary>
    public static readonly TimeSpan MaxShutdownTimeout = TimeSpan.FromSeconds(50);

    /// <summary>The restart penalty of the <c>host</c> section.</summary>
    public static RestartPenalty Penalty(HostSection host, string source)
    {
        var first = Span(host.RestartPenalty, source, "host.restart_penalty");
        var max = Span(host.MaxRestartPenalty, source, "host.max_restart_penalty");
        return max >= first
            ? new(first, max, Span(host.StableAfter, source, "host.stable_after"))
            : throw new ConfigurationException(source, "host.max_restart_penalty", $"'{host.MaxRestartPenalty}' is shorter than host.restart_penalty ('{host.RestartPenalty}')");
    }

    /// <summary>How long in-flight work may take on SIGTERM.</summary>
    public static TimeSpan ShutdownTimeout(HostSection host, string source)
    {
        var timeout = Span(host.ShutdownTimeout, source, "host.shutdown_timeout");
        return timeout <= MaxShutdownTimeout
            ? timeout
            : throw new ConfigurationException(source, "host.shutdown_timeout", $"'{host.ShutdownTimeout}' is longer than {MaxShutdownTimeout.TotalSeconds:0}s");
    }

    /// <summary>A duration key: a positive span such as <c>5s</c> or <c>10m</c>.</summary>
    public static TimeSpan Span(string text, string source, string key) =>
        Spans.TryParse(text, out var span) && span > TimeSpan.Zero
            ? span
            : throw new ConfigurationException(source, key, $"'{text}' is not a duration such as 500ms, 5s or 10m");

    private static ModuleSection Section(ModulesSection m, string name) => name switch
    {
        "status" => m.Status,
        "math_repo" => m.MathRepo,
        "importer" => m.Importer,
        "scheduler" => m.Scheduler,
        "retention" => m.Retention,
        "analysis" => m.Analysis,
        "proxy" => m.Proxy,
        _ => m.Streams,
    };

    private static System.Net.IPEndPoint Listen(string listen, string source) =>
        StatusModule.TryParseListen(listen, out var endpoint)
            ? endpoint
            : throw new ConfigurationException(source, "host.listen", $"'{listen}' is not a loopback address and port such as 127.0.0.1:8080 (the status pages are served on loopback only)");

    private static string Required(string path, string source, string key, Func<string, string> resolve)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ConfigurationException(source, key, "names no file");
        }

        var full = resolve(path);
        return File.Exists(full) ? full : throw new ConfigurationException(source, key, $"{full} does not exist");
    }

    private static string Folder(string path, string source, string key, Func<string, string> resolve)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ConfigurationException(source, key, "names no folder");
        }

        var full = resolve(path);
        return Directory.Exists(full) ? full : throw new ConfigurationException(source, key, $"the folder {full} does not exist");
    }

    private static RepoSettings MathRepo(string file)
    {
        var configuration = file.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) ? OriginalRepoConfiguration.Read(file) : RepoConfiguration.Read(file);
        return configuration.Validate(file, Path.GetDirectoryName(file)!);
    }

    private static ImporterModule Importer(ImporterSection importer, string source, Func<string, string> resolve, NpgsqlDataSource dataSource, ILoggerFactory loggers)
    {
        var folders = Folders(importer, source, resolve);
        var quarantine = resolve(importer.Quarantine);
        // Quarantined files keep their folders' names: inside an import folder they would be imported again.
        if (folders.FirstOrDefault(f => Inside(quarantine, f.Path) || Inside(f.Path, quarantine)) is { } overlap)
        {
            throw new ConfigurationException(source, "modules.importer.quarantine", $"{quarantine} overlaps the import folder {overlap.Path}; put it outside");
        }

        return new ImporterModule(dataSource, folders, Span(importer.Interval, source, "modules.importer.interval"), new Quarantine(quarantine), loggers);
    }

    private static bool Inside(string path, string folder) =>
        (Path.TrimEndingDirectorySeparator(path) + "/").StartsWith(Path.TrimEndingDirectorySeparator(folder) + "/", StringComparison.Ordinal);

    private static List<ImportFolder> Folders(ImporterSection importer, string source, Func<string, string> resolve)
    {
        if (importer.Folders.Count == 0)
        {
            throw new ConfigurationException(source, "modules.importer.folders", "names no folder to import from");
        }

        return importer.Folders.Select((f, i) =>
        {
            var key = $"modules.importer.folders[{i}]";
            var stream = f.Stream ?? throw new ConfigurationException(source, $"{key}.stream", "is required");
            try
            {
                ContinuousTables.TableName(stream);
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException(source, $"{key}.stream", e.Message);
            }

            var start = DateTimeOffset.MinValue;
            if (f.Start is { } text && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out start))
            {
                throw new ConfigurationException(source, $"{key}.start", $"'{text}' is not an ISO-8601 time");
            }

            return new ImportFolder(
                resolve(f.Path ?? throw new ConfigurationException(source, $"{key}.path", "is required")), stream, f.Log, start);
        }).ToList();
    }
}
