using System.CommandLine;
using Mplane.Cli.Commands;

var root = new RootCommand(
    "mplane: the mPlane measurement repository. Tstat logs in, PostgreSQL continuous tables, jobs and analyses out.\n" +
    "With no database configured (MPLANE_PG or conf/repository.yaml), commands use a private PostgreSQL cluster in .data/pg.");
root.Subcommands.Add(DbCommand.Create());
root.Subcommands.Add(GenCommand.Create());
root.Subcommands.Add(ScanCommand.Create());
root.Subcommands.Add(ImportCommand.Create());
root.Subcommands.Add(TablesCommand.Create());
root.Subcommands.Add(JobsCommand.Create());
root.Subcommands.Add(RetentionCommand.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(RemoteCommand.Create());
root.Subcommands.Add(AnalysisCommand.Create());
root.Subcommands.Add(AlarmsCommand.Create());
root.Subcommands.Add(SqlCommand.Create());
root.Subcommands.Add(StreamsCommand.Create());
root.Subcommands.Add(TstatProxyCommand.Create());
root.Subcommands.Add(ProxyCommand.Create());
root.Subcommands.Add(ClientCommand.Create());
root.Subcommands.Add(RepoCommand.Create());
root.Subcommands.Add(PkiCommand.Create());

// SIGTERM and Ctrl-C cancel the command's token; a host then needs its shutdown timeout to let
// in-flight work finish (System.CommandLine would end the process after 2 s).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) }).ConfigureAwait(false);
