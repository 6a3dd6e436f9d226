using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Mplane.Components.Runtime;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Protocol.Temporal;
using Mplane.Protocol.Tokens;
using Mplane.Protocol.Values;

namespace Mplane.Components.Tstat;

/// <summary>Where math_probe is and how this Tstat proxy describes itself.</summary>
/// <param name="MathPath">The folder math_probe runs in (its relative <c>directory</c> and <c>math_probe.xml</c> are there).</param>
/// <param name="SystemId">The probe's <c>System_ID</c> (the single value of the capability's constraint).</param>
/// <param name="Program">The math_probe executable, relative to <paramref name="MathPath"/> unless absolute.</param>
/// <param name="Config">Its configuration file, relative to <paramref name="MathPath"/> unless absolute.</param>
public sealed record TstatExporterSettings(string MathPath, string SystemId, string Program = "./math_probe", string Config = "math_probe.xml");

/// <summary>
/// The Tstat proxy's <c>tstat-exporter_log</c>: runs math_probe toward the specification's
/// <c>repository.url</c> from the specification's start (UTC, <c>2006-01-02T15:04:05</c>) until its end,
/// then stops it. Unlike the reference it never changes the process's working directory (the child is
/// started in <c>math_path</c>), starts no shell, and its result says how math_probe ended.
/// </summary>
public sealed class TstatExporterLogService(TstatExporterSettings settings, ILogger<TstatExporterLogService> logger) : IService
{
    /// <summary>The capability's label.</summary>
    public const string Label = "tstat-exporter_log";

    private static readonly IReadOnlyDictionary<string, string> Metadata = new Dictionary<string, string>
    {
        ["System_ID"] = "tStat-Proxy-01", ["System_type"] = "tStat", ["System_version"] = "0.1",
    };

    /// <inheritdoc />
    public Statement Capability { get; } = CapabilityFor(settings.SystemId);

    /// <inheritdoc />
    public async Task<Statement> RunAsync(Statement specification, CancellationToken cancellationToken)
    {
        var (start, end) = When.Parse(specification.When).Evaluate(DateTimeOffset.UtcNow);
        if (end < DateTimeOffset.UtcNow)
        {
            throw new InvalidOperationException($"the scope '{specification.When}' has already ended");
        }

        if (start is { } later && later > DateTimeOffset.UtcNow)
        {
            await Waits.UntilAsync(later, cancellationToken).ConfigureAwait(false); // the scope starts later
        }

        var from = start ?? DateTimeOffset.UtcNow;
        var program = Path.IsPathRooted(settings.Program) ? settings.Program : Path.GetFullPath(settings.Program, settings.MathPath);
        var arguments = new[]
        {
            "--config", settings.Config, "--repoUrl", specification.Parameters["repository.url"],
            "--startTime", from.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture),
        };
        using var probe = Process.Start(new ProcessStartInfo(program, arguments) { WorkingDirectory = settings.MathPath, UseShellExecute = false })
            ?? throw new InvalidOperationException($"{program} could not be started");
        logger.LogInformation("math_probe (pid {Pid}) started: {Arguments}", probe.Id, string.Join(' ', arguments));
        var ended = "ended by itself";
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (end is { } stop)
            {
                _ = Waits.UntilAsync(stop, deadline.Token)
                    .ContinueWith(_ => deadline.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            }

            await probe.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            ended = $"exited with code {probe.ExitCode}";
        }
        catch (OperationCanceledException)
        {
            ended = cancellationToken.IsCancellationRequested ? "stopped: interrupted" : "stopped at the end of the scope";
        }
        finally
        {
            if (!probe.HasExited)
            {
                probe.Kill(entireProcessTree: true);
                await probe.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        logger.LogInformation("math_probe (pid {Pid}) {Ended}", probe.Id, ended);
        return specification with
        {
            Kind = MessageKind.Result,
            When = $"{ValueCodec.FormatTime(from)} ... {ValueCodec.FormatTime(DateTimeOffset.UtcNow)}",
            Link = null,
        };
    }

    private static Statement CapabilityFor(string systemId)
    {
        var parameters = new Dictionary<string, string> { ["System_ID"] = systemId, ["repository.url"] = "*" };
        var capability = new Statement(MessageKind.Capability, "measure")
        {
            Registry = RegistryCatalog.TstatUri,
            When = "past ... future",
            Label = Label,
            Parameters = parameters,
            Metadata = Metadata,
        };
        return capability with
        {
            Token = StatementHashes.Mpcv(capability.Registry, capability.Verb, capability.When, parameters.ToDictionary(p => p.Key, p => (p.Value, "*")), Metadata, []),
        };
    }
}
