using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Mplane.Configuration;
using Mplane.Host.Modules;
using Npgsql;

namespace Mplane.Host.Hosting;

/// <summary>How the host writes its log.</summary>
public enum LogFormat
{
    /// <summary>One line per event, with its level, category and module.</summary>
    Text,

    /// <summary>One JSON object per event (structured: level, category, message, its values and the module).</summary>
    Json,
}

/// <summary>
/// <c>mplane repo run</c>: the repository's modules as hosted services of one generic host, each
/// under a <see cref="ModuleSupervisor"/>. SIGTERM or Ctrl-C stop the host: each module's token is
/// cancelled, in-flight work commits or rolls back, and the host waits at most the shutdown timeout.
/// </summary>
public static class RepositoryHost
{
    /// <summary>Builds the host for <paramref name="modules"/> (already checked by <see cref="RepositoryModules.Create"/>), logging to <paramref name="loggers"/>.</summary>
    public static IHost Build(
        RepositoryConfiguration configuration, string source, IReadOnlyList<IRepositoryModule> modules, NpgsqlDataSource dataSource,
        ILoggerFactory loggers, TimeProvider? time = null)
    {
        var penalty = RepositoryModules.Penalty(configuration.Host, source);
        var shutdown = RepositoryModules.ShutdownTimeout(configuration.Host, source);
        // The content root in the program's folder and no configuration reload: the default watches the working directory recursively.
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        // One logger factory for the host and the modules (made before the host, as the modules are).
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.Configure<HostOptions>(options =>
        {
            options.ShutdownTimeout = shutdown;
            // A module's failure is its supervisor's business; it must never stop the others.
            options.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore;
            options.ServicesStartConcurrently = true;
            options.ServicesStopConcurrently = true;
        });
        var states = new ModuleStates(dataSource);
        foreach (var module in modules)
        {
            builder.Services.AddSingleton<IHostedService>(services => new ModuleSupervisor(
                module, states, penalty, services.GetRequiredService<ILogger<ModuleSupervisor>>(), time));
        }

        return builder.Build();
    }

    /// <summary>Console logging in <paramref name="format"/> from <paramref name="level"/> on, with the module of each event.</summary>
    public static ILoggerFactory ConsoleLoggers(LogFormat format, LogLevel level) => LoggerFactory.Create(logging =>
    {
        logging.SetMinimumLevel(level);
        // The framework's own notices (each module's web server has a lifetime of its own) only when they matter.
        logging.AddFilter("Microsoft", LogLevel.Warning);
        if (format == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ssZ ";
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }
    });
}
