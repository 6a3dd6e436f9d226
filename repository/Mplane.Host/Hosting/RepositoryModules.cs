using System.Globalization;
using Microsoft.Extensions.Logging;
using Mplane.Analysis;
using Mplane.Configuration;
using Mplane.Math.Repo;
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
            "importer" => new ImporterModule(dataSource, Folders(m.Importer, source, PathOf), Span(m.Importer.Interval, source, "modules.importer.interval"), loggers),
            "scheduler" => new SchedulerModule(
                dataSource,
                JobFile.LoadDirectory(PathOf(m.Scheduler.Jobs)),
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

    /// <summary>The restart penalty of the <c>host</c> section.</summary>
    public static RestartPenalty Penalty(HostSection host, string source) => new(
        Span(host.RestartPenalty, source, "host.restart_penalty"),
        Span(host.MaxRestartPenalty, source, "host.max_restart_penalty"),
        Span(host.StableAfter, source, "host.stable_after"));

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

    private static int Listen(string listen, string source) =>
        StatusModule.TryParseListen(listen, out var port)
            ? port
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

    private static RepoSettings MathRepo(string file)
    {
        var configuration = file.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) ? OriginalRepoConfiguration.Read(file) : RepoConfiguration.Read(file);
        return configuration.Validate(file, Path.GetDirectoryName(file)!);
    }

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
