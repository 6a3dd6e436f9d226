using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mplane.Configuration;
using Mplane.Host.Hosting;

namespace Mplane.Cli.Commands;

/// <summary><c>mplane repo run|check</c>: the repository's modules hosted in one process (the original's hydra), or some of them (<c>--only</c>).</summary>
internal static class RepoCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "The repository's configuration (default: conf/repository.yaml).", Recursive = true };
        var only = new Option<string[]>("--only")
        {
            Description = $"Run only these modules ({string.Join(", ", RepositoryModules.Names)}), enabled or not; comma-separated or repeated.",
            Recursive = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var repo = new Command("repo", "The repository host: math_repo, the importer, the scheduler, retention, analysis, the mPlane proxy, the stream engine and the status pages in one process.") { config, only };
        repo.Subcommands.Add(Run(config, only));
        repo.Subcommands.Add(Check(config, only));
        return repo;
    }

    private static Command Run(Option<string?> config, Option<string[]> only)
    {
        var format = new Option<LogFormat>("--log-format") { Description = "text (one line per event) or json (structured).", DefaultValueFactory = _ => LogFormat.Text };
        var verbose = new Option<bool>("--verbose") { Description = "Log at debug level." };
        var command = new Command("run", "Run the configured modules until SIGTERM or Ctrl-C; a failed module is restarted after a growing penalty, the others keep running.") { format, verbose };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var (configuration, source) = Load(parse.GetValue(config));
            var names = Names(parse.GetValue(only));
            // Everything is checked before the database is opened (which may start the private cluster).
            Validate(configuration, source, names);
            using var loggers = RepositoryHost.ConsoleLoggers(parse.GetValue(format), parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Information);
            await using var dataSource = await Database.OpenAsync(configuration, ct).ConfigureAwait(false);
            var modules = RepositoryModules.Create(configuration, source, names, dataSource, loggers);
            using var host = RepositoryHost.Build(configuration, source, modules, dataSource, loggers);
            loggers.CreateLogger("mplane.repo").LogInformation("Repository host: {Modules} from {Config}", string.Join(", ", modules.Select(m => m.Name)), source);
            try
            {
                await host.RunAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Check(Option<string?> config, Option<string[]> only)
    {
        var command = new Command("check", "Check the configuration and every selected module's own configuration, then list the modules; starts nothing.");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(() =>
        {
            var (configuration, source) = Load(parse.GetValue(config));
            var modules = Validate(configuration, source, Names(parse.GetValue(only)));
            Console.WriteLine($"{source}: valid; modules: {string.Join(", ", modules)}");
            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }

    /// <summary>Builds every selected module against a data source never opened: each module's settings and files are checked, nothing starts.</summary>
    private static IReadOnlyList<string> Validate(RepositoryConfiguration configuration, string source, IReadOnlyCollection<string>? names)
    {
        using var loggers = LoggerFactory.Create(_ => { });
        using var dataSource = Npgsql.NpgsqlDataSource.Create("Host=127.0.0.1;Port=1");
        var modules = RepositoryModules.Create(configuration, source, names, dataSource, loggers);
        RepositoryModules.Penalty(configuration.Host, source);
        RepositoryModules.ShutdownTimeout(configuration.Host, source);
        return modules.Select(m => m.Name).ToList();
    }

    private static (RepositoryConfiguration Configuration, string Source) Load(string? file)
    {
        var home = ProjectHome.Discover();
        var source = Path.GetFullPath(file ?? Path.Combine(home.ConfDirectory, RepositoryConfiguration.DefaultFileName));
        return (RepositoryConfiguration.Load(home, file), source);
    }

    private static List<string>? Names(string[]? only)
    {
        if (only is not { Length: > 0 })
        {
            return null;
        }

        var names = only.SelectMany(o => o.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        return names.Count > 0 ? names : throw new UsageException("--only: name at least one module");
    }
}
