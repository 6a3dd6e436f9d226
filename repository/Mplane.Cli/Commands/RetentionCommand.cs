using System.CommandLine;
using System.Globalization;
using Mplane.Configuration;
using Mplane.Warehouse.Retention;

namespace Mplane.Cli.Commands;

/// <summary><c>mplane retention run</c>: apply the retention rules of the configuration once.</summary>
internal static class RetentionCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Configuration file (default: conf/repository.yaml)." };
        var run = new Command("run", "Drop the oldest partitions beyond each table's age or size limit (never ones a job still needs).") { config };
        run.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var home = ProjectHome.Discover();
            var file = parse.GetValue(config);
            var configuration = RepositoryConfiguration.Load(home, file);
            var policies = RetentionPolicy.FromConfiguration(configuration.Retention, file ?? Path.Combine(home.ConfDirectory, RepositoryConfiguration.DefaultFileName));
            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            var dropped = await RetentionRunner.RunAsync(dataSource, policies, ct).ConfigureAwait(false);
            foreach (var d in dropped)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"dropped {d.Table} window {d.WindowStart:yyyy-MM-dd HH:mm} ({d.Bytes / 1048576.0:0.0} MB, {d.Reason})"));
            }

            Console.WriteLine($"{dropped.Count} partitions dropped under {policies.Count} rules");
            return ExitCodes.Success;
        }));
        var command = new Command("retention", "Retention of continuous tables by age and size.");
        command.Subcommands.Add(run);
        return command;
    }
}
