using System.CommandLine;
using System.Diagnostics;
using Mplane.Configuration;
using Mplane.Postgres;
using Npgsql;

namespace Mplane.Cli.Commands;

/// <summary><c>mplane db start|stop|status|psql</c>: the embedded PostgreSQL cluster.</summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var db = new Command("db", "Manage the private PostgreSQL cluster in .data/pg (or show the configured server).");
        db.Subcommands.Add(Start());
        db.Subcommands.Add(Stop());
        db.Subcommands.Add(Status());
        db.Subcommands.Add(Psql());
        return db;
    }

    private static Command Start()
    {
        var command = new Command("start", "Create the cluster if needed and start it; a running cluster is reused.");
        command.SetAction((_, ct) => CommandRunner.RunAsync(async () =>
        {
            var (locator, configured) = Locate();
            if (configured is not null)
            {
                Console.WriteLine($"A database is configured ({configured.Value.Source}); the embedded cluster is not used.");
                return ExitCodes.Success;
            }

            var result = await locator.EmbeddedCluster().StartAsync(ct).ConfigureAwait(false);
            var verb = result.Outcome switch
            {
                StartOutcome.Created => "created and started",
                StartOutcome.Started => "started",
                _ => "already running",
            };
            Console.WriteLine($"PostgreSQL {verb}: {Describe(result.Status)}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Stop()
    {
        var command = new Command("stop", "Stop the cluster's server (fast shutdown; data is kept).");
        command.SetAction((_, ct) => CommandRunner.RunAsync(async () =>
        {
            var (locator, _) = Locate();
            var cluster = locator.EmbeddedCluster();
            var stopped = await cluster.StopAsync(ct).ConfigureAwait(false);
            Console.WriteLine(stopped ? $"PostgreSQL stopped ({cluster.Layout.Directory})." : $"PostgreSQL was not running ({cluster.Layout.Directory}).");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Status()
    {
        var command = new Command("status", "Show whether the cluster runs and how to reach it. Exit code 3 when it is not running.");
        command.SetAction((_, ct) => CommandRunner.RunAsync(async () =>
        {
            var (locator, configured) = Locate();
            if (configured is not null)
            {
                var display = new NpgsqlConnectionStringBuilder(configured.Value.ConnectionString) { Password = null };
                Console.WriteLine($"configured ({configured.Value.Source}): {display}");
                return ExitCodes.Success;
            }

            var status = await locator.EmbeddedCluster().GetStatusAsync(ct).ConfigureAwait(false);
            Console.WriteLine(status.State switch
            {
                ClusterRunState.Running => $"running: {Describe(status)}",
                ClusterRunState.Stopped => $"stopped: cluster in {status.Directory} (start it with 'bin/mplane db start')",
                _ => $"not created: no cluster in {status.Directory} yet ('bin/mplane db start' creates it)",
            });
            return status.State == ClusterRunState.Running ? ExitCodes.Success : 3;
        }));
        return command;
    }

    private static Command Psql()
    {
        var command = new Command("psql", "Open psql on the project's database (starting the cluster if needed). Arguments after -- go to psql.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        var passThrough = new Argument<string[]>("psql-arguments") { Arity = ArgumentArity.ZeroOrMore, Description = "Arguments for psql." };
        command.Arguments.Add(passThrough);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var (locator, configured) = Locate();
            var connectionString = configured?.ConnectionString
                ?? (await locator.EmbeddedCluster().StartAsync(ct).ConfigureAwait(false)).Connection.ConnectionString();
            var settings = new NpgsqlConnectionStringBuilder(connectionString);
            var start = new ProcessStartInfo("psql") { UseShellExecute = false };
            start.Environment["PGHOST"] = settings.Host;
            start.Environment["PGPORT"] = settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["PGUSER"] = settings.Username;
            start.Environment["PGDATABASE"] = settings.Database;
            if (settings.Password is not null)
            {
                start.Environment["PGPASSWORD"] = settings.Password;
            }

            foreach (var argument in parse.UnmatchedTokens.Concat(parse.GetValue(passThrough) ?? []))
            {
                start.ArgumentList.Add(argument);
            }

            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new UsageException($"cannot run psql ({e.Message}); install it with 'apt-get install postgresql-client'");
            }

            using (process)
            {
                await process.WaitForExitAsync(ct).ConfigureAwait(false);
                return process.ExitCode;
            }
        }));
        return command;
    }

    private static (DatabaseLocator Locator, (string ConnectionString, DatabaseSource Source)? Configured) Locate()
    {
        var home = ProjectHome.Discover();
        var locator = new DatabaseLocator(home, ProcessEnvironment.Instance);
        return (locator, locator.Configured(RepositoryConfiguration.Load(home)));
    }

    private static string Describe(ClusterStatus status)
    {
        var c = status.Connection!;
        return $"127.0.0.1:{c.Port} (socket in {c.SocketDirectory}), database '{c.Database}', user '{c.User}', " +
               $"pid {status.ProcessId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}, data in {status.Directory}; " +
               "connect with 'bin/mplane db psql'";
    }
}
