using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mplane.Generators.Tstat;
using Mplane.Postgres;
using Mplane.Testing;
using Npgsql;

namespace Mplane.Reliability.Tests.Sites;

/// <summary>
/// A whole repository site run as users run it, for the reliability suite (and the demo and the load
/// test): a temporary folder with a private PKI, <c>conf/</c> as <see cref="SiteConfiguration"/> writes
/// it, generated Tstat logs that are <em>released</em> to the probe's folder when the test says, the
/// repository host (<c>mplane repo run</c>: math_repo with the warehouse handler over mutual TLS, the
/// scheduler with the example jobs, analysis) and math_probe pushing to it, both as processes on the
/// database of <see cref="SiteOptions.ConnectionString"/>.
/// </summary>
/// <remarks>
/// Typical use: <see cref="CreateAsync"/>, <see cref="GenerateAsync"/>, <see cref="StartHost"/> and
/// <see cref="WaitForHostAsync"/>, <see cref="StartProbe"/>, <see cref="Release"/> files as the test
/// goes, then <see cref="SettleAsync"/> (everything shipped, imported, computed and analysed) and
/// <see cref="SiteAudit"/>. Conditions are awaited by polling the database (<see cref="WaitUntilAsync"/>),
/// never by sleeping. Each program's output goes to <c>logs/&lt;program&gt;-NN.log</c> (one file per start)
/// and its last lines into failure messages; <c>MPLANE_RELIABILITY_KEEP=DIR</c> keeps a copy of the logs.
/// Disposing kills whatever still runs and removes the folder.
/// </remarks>
internal sealed class RepositorySite : IAsyncDisposable
{
    private readonly TemporaryDirectory _directory;
    private readonly TestPki _pki;
    private readonly List<SiteProcess> _processes = [];
    private readonly Dictionary<string, int> _starts = [];
    private List<(string Relative, GeneratedFile File)> _files = [];

    private RepositorySite(SiteOptions options, TemporaryDirectory directory, TestPki pki, SitePaths paths)
    {
        Options = options;
        _directory = directory;
        _pki = pki;
        Paths = paths;
        DataSource = NpgsqlDataSource.Create(options.ConnectionString);
    }

    /// <summary>What the site runs.</summary>
    public SiteOptions Options { get; }

    /// <summary>Its folders, files and ports.</summary>
    public SitePaths Paths { get; }

    /// <summary>A data source on the site's database, for the test's own queries.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The repository host now running (null before the first start and after a kill or stop).</summary>
    public SiteProcess? Host { get; private set; }

    /// <summary>How often the host was started.</summary>
    public int HostStarts => _starts.GetValueOrDefault("mplane");

    /// <summary>The continuous probe now running, if any.</summary>
    public SiteProcess? Probe { get; private set; }

    /// <summary>The generated files, oldest first.</summary>
    public IReadOnlyList<GeneratedFile> Files => [.. _files.Select(f => f.File)];

    /// <summary>How many of <see cref="Files"/> were released to the probe.</summary>
    public int Released { get; private set; }

    /// <summary>Every flow generated.</summary>
    public long Flows => _files.Sum(f => f.File.Flows);

    /// <summary>The window of the newest file: it stays open (no later file closes it), so jobs and analysis stop before it.</summary>
    public DateTimeOffset NewestWindow => _files[^1].File.PeriodStart;

    /// <summary>The first file's window.</summary>
    public DateTimeOffset FirstWindow => _files[0].File.PeriodStart;

    /// <summary>The view windows the jobs must compute: every 5 minutes from the first file's window to the newest's (exclusive).</summary>
    public IReadOnlyList<DateTimeOffset> ClosedWindows =>
        [.. Enumerable.Range(0, (int)((NewestWindow - FirstWindow) / Bin)).Select(i => FirstWindow + i * Bin)];

    /// <summary>The generator's rotation period, the base table's window and the jobs' window.</summary>
    public static TimeSpan Bin { get; } = TimeSpan.FromMinutes(5);

    /// <summary>Lays out a site: folder, PKI, ports and configuration. Nothing runs yet.</summary>
    public static Task<RepositorySite> CreateAsync(SiteOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var directory = new TemporaryDirectory(options.Purpose);
        var pki = new TestPki();
        try
        {
            var paths = new SitePaths(
                directory.Path, FreePort.Pick(), FreePort.Pick(), pki.CaFile, pki.Server("Math-Repo-1"), pki.Client("Probes", "Probe-1"));
            foreach (var folder in new[] { paths.Tstat, paths.Generated, paths.Logs })
            {
                Directory.CreateDirectory(folder);
            }

            SiteConfiguration.Write(paths.Conf, options, paths);
            return Task.FromResult(new RepositorySite(options, directory, pki, paths));
        }
        catch
        {
            pki.Dispose();
            directory.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Generates <paramref name="duration"/> of Tstat logs at <paramref name="rate"/> flows/s, one file per
    /// 5 minutes from 2015-02-27T20:00Z, with <paramref name="anomalies"/> (<c>portscan@+40m/10m</c>),
    /// into the waiting folder: nothing is visible to the probe until <see cref="Release"/>.
    /// </summary>
    public async Task<GenerationSummary> GenerateAsync(TimeSpan duration, double rate, ulong seed, IEnumerable<string> anomalies, CancellationToken cancellationToken)
    {
        var summary = await new TstatLogGenerator().GenerateAsync(
            new TstatGeneratorOptions
            {
                OutputDirectory = Paths.Generated,
                Start = new DateTimeOffset(2015, 2, 27, 20, 0, 0, TimeSpan.Zero),
                Duration = duration,
                Interval = Bin,
                Rate = rate,
                Seed = seed,
                Anomalies = [.. anomalies.Select(AnomalyRequest.Parse)],
            },
            null,
            cancellationToken).ConfigureAwait(false);
        _files = [.. summary.Files.OrderBy(f => f.PeriodStart).Select(f => (Path.GetRelativePath(Paths.Generated, f.Path), f))];
        Released = 0;
        return summary;
    }

    /// <summary>
    /// Makes the next <paramref name="count"/> files visible to the probe, as Tstat would: each is copied
    /// into the Tstat folder under a temporary name and renamed (the generated files stay as they are,
    /// for a reference run); returns how many were released.
    /// </summary>
    public int Release(int count)
    {
        var released = 0;
        for (; released < count && Released < _files.Count; released++, Released++)
        {
            var (relative, file) = _files[Released];
            var target = Path.Combine(Paths.Tstat, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file.Path, target + ".writing");
            File.Move(target + ".writing", target);
        }

        return released;
    }

    /// <summary>Releases every file left.</summary>
    public int ReleaseAll() => Release(_files.Count);

    /// <summary>A file's path relative to the Tstat folder (as the probe sends it and math_repo stores it).</summary>
    public string RelativePathOf(GeneratedFile file) => _files.First(f => f.File == file).Relative;

    /// <summary>Starts <c>mplane repo run --config conf/repository.yaml</c> (the site's modules) on the site's database.</summary>
    public SiteProcess StartHost()
    {
        if (Host is { HasExited: false })
        {
            throw new InvalidOperationException("the repository host is running already");
        }

        Host = Start("mplane", ["repo", "run", "--config", Path.Combine(Paths.Conf, "repository.yaml")]);
        return Host;
    }

    /// <summary>
    /// Waits until every module of the running host has reported itself (starting or running; with
    /// <paramref name="running"/>, running: up and beating) and math_repo accepts connections.
    /// </summary>
    public async Task WaitForHostAsync(TimeSpan bound, CancellationToken cancellationToken, bool running = false)
    {
        var instance = HostInstance;
        var states = running ? "('running')" : "('starting', 'running')";
        await WaitUntilAsync(
            $"SELECT count(*) = $2 FROM mplane.modules WHERE instance = $1 AND state IN {states}", bound, cancellationToken, instance, (long)Options.Modules.Count).ConfigureAwait(false);
        if (Options.Modules.Contains("math_repo"))
        {
            await WaitAsync(() => ListensAsync(Paths.MathRepoPort, cancellationToken), "math_repo listens", bound, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The instance name the running host's modules report under in <c>mplane.modules</c> (<c>machine:pid</c>).</summary>
    public string HostInstance => $"{Environment.MachineName}:{(Host ?? throw new InvalidOperationException("no repository host runs")).Id.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>kill -9 of the repository host, as a crash: nothing of it runs afterwards.</summary>
    public async Task KillHostAsync(CancellationToken cancellationToken)
    {
        if (Host is { } host)
        {
            await host.KillAsync(cancellationToken).ConfigureAwait(false);
            Host = null;
        }
    }

    /// <summary>Stops the host with SIGTERM, as an operator does; returns its exit code.</summary>
    public async Task<int> StopHostAsync(CancellationToken cancellationToken)
    {
        var host = Host ?? throw new InvalidOperationException("no repository host runs");
        var code = await host.TerminateAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        Host = null;
        return code;
    }

    /// <summary>Starts math_probe shipping the released files as Tstat finishes them (the newest period is held back).</summary>
    public SiteProcess StartProbe()
    {
        if (Probe is { HasExited: false })
        {
            throw new InvalidOperationException("the probe is running already");
        }

        Probe = Start("math_probe", ["--config", Path.Combine(Paths.Conf, "math_probe.yaml")]);
        return Probe;
    }

    /// <summary>Stops the continuous probe (SIGTERM); returns its exit code.</summary>
    public async Task<int> StopProbeAsync(CancellationToken cancellationToken)
    {
        var probe = Probe ?? throw new InvalidOperationException("no probe runs");
        var code = await probe.TerminateAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        Probe = null;
        return code;
    }

    /// <summary>Runs <c>math_probe --once --final</c> (the capture ended: the newest period goes too) to its end; returns its exit code.</summary>
    public async Task<int> ShipFinalAsync(CancellationToken cancellationToken)
    {
        var probe = Start("math_probe", ["--config", Path.Combine(Paths.Conf, "math_probe.yaml"), "--once", "--final"]);
        return await probe.WaitForExitAsync(TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Brings the run to its end: every file released, shipped (the newest with <c>--once --final</c>
    /// once the continuous probe has shipped the rest, and the probe stopped), imported, every closed
    /// window computed by the scheduler and every closed bin evaluated by analysis, when those modules run.
    /// </summary>
    public async Task SettleAsync(TimeSpan bound, CancellationToken cancellationToken)
    {
        ReleaseAll();
        if (Probe is not null)
        {
            await WaitUntilAsync(ImportedFilesSql, bound, cancellationToken, (long)_files.Count - 1).ConfigureAwait(false);
            await StopProbeAsync(cancellationToken).ConfigureAwait(false);
        }

        var final = await ShipFinalAsync(cancellationToken).ConfigureAwait(false);
        if (final != 0)
        {
            throw new InvalidOperationException($"math_probe --once --final exited with {final}\n{Diagnostics()}");
        }

        await WaitUntilAsync(ImportedFilesSql, bound, cancellationToken, (long)_files.Count).ConfigureAwait(false);
        if (Options.Modules.Contains("scheduler"))
        {
            await WaitUntilAsync(
                """
                SELECT count(*) = $2 AND bool_and(next_window = $1) AND NOT EXISTS (SELECT 1 FROM mplane.recompute)
                FROM mplane.jobs
                """,
                bound, cancellationToken, NewestWindow, (long)Options.Jobs.Count).ConfigureAwait(false);
        }

        if (Options.Modules.Contains("analysis") && ClosedWindows.Count > 0)
        {
            await WaitUntilAsync("SELECT max(bin_start) = $1 FROM mplane.alarms", bound, cancellationToken, ClosedWindows[^1]).ConfigureAwait(false);
        }
    }

    /// <summary>Files imported into the stream equal $1.</summary>
    public const string ImportedFilesSql = "SELECT count(*) = $1 FROM mplane.imports WHERE stream = 'log_tcp_complete'";

    /// <summary>Files the probe's ledger records as acknowledged by math_repo (read from its file: no database needed).</summary>
    public int ProbeAcknowledged()
    {
        if (!File.Exists(Paths.ProbeLedger))
        {
            return 0;
        }

        using var stream = new FileStream(Paths.ProbeLedger, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            try
            {
                using var entry = System.Text.Json.JsonDocument.Parse(line);
                if (entry.RootElement.GetProperty("State").GetString() == "acknowledged")
                {
                    acknowledged.Add(entry.RootElement.GetProperty("Path").GetString()!);
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // A line being written.
            }
        }

        return acknowledged.Count;
    }

    /// <summary>Runs a query and returns its first value (default when null).</summary>
    public async Task<T> ScalarAsync<T>(string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull or null ? default! : (T)value;
    }

    /// <summary>
    /// Polls <paramref name="condition"/> (a query returning a boolean) until it holds; a table not
    /// created yet or a database away counts as not yet. Fails after <paramref name="bound"/>, or as soon
    /// as the host exits by itself, with the programs' last lines.
    /// </summary>
    public Task WaitUntilAsync(string condition, TimeSpan bound, CancellationToken cancellationToken, params object[] parameters) =>
        WaitAsync(
            async () =>
            {
                try
                {
                    return await ScalarAsync<bool>(condition, cancellationToken, parameters).ConfigureAwait(false);
                }
                catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable)
                {
                    return false;
                }
                catch (NpgsqlException e) when (e is not PostgresException postgres || postgres.IsTransient || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal))
                {
                    return false;
                }
            },
            condition,
            bound,
            cancellationToken);

    /// <summary>Polls <paramref name="check"/> every 50 ms until it holds (see <see cref="WaitUntilAsync"/>).</summary>
    public async Task WaitAsync(Func<Task<bool>> check, string what, TimeSpan bound, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + bound;
        var host = Host;
        while (!await check().ConfigureAwait(false))
        {
            if (host is { HasExited: true } && host == Host)
            {
                throw new InvalidOperationException($"the repository host exited ({host.ExitCode}) while waiting for: {what}\n{Diagnostics()}");
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"not within {bound}: {what}\n{Diagnostics()}");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The last lines of the host and the probe, for a failure's message.</summary>
    public string Diagnostics()
    {
        var parts = new List<string>();
        foreach (var name in new[] { "mplane", "math_probe" })
        {
            if (_processes.LastOrDefault(p => p.Name == name) is { } last)
            {
                parts.Add(last.Tail);
            }
        }

        return string.Join('\n', parts);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }

        await DataSource.DisposeAsync().ConfigureAwait(false);
        KeepLogs();
        _pki.Dispose();
        _directory.Dispose();
    }

    /// <summary>
    /// With <c>MPLANE_RELIABILITY_KEEP</c> set to a folder, the programs' logs are copied into
    /// <c>&lt;that folder&gt;/&lt;site folder name&gt;/</c> before the site's folder is removed: the post-mortem of a failed run.
    /// </summary>
    private void KeepLogs()
    {
        if (Environment.GetEnvironmentVariable("MPLANE_RELIABILITY_KEEP") is not { Length: > 0 } keep)
        {
            return;
        }

        var target = Path.Combine(keep, Path.GetFileName(Paths.Root));
        Directory.CreateDirectory(target);
        foreach (var log in Directory.EnumerateFiles(Paths.Logs))
        {
            File.Copy(log, Path.Combine(target, Path.GetFileName(log)), overwrite: true);
        }
    }

    /// <summary>Whether something accepts connections on <paramref name="port"/> (connecting, not binding: binding would race the host's own bind).</summary>
    private static async Task<bool> ListensAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private SiteProcess Start(string program, string[] arguments)
    {
        var count = _starts[program] = _starts.GetValueOrDefault(program) + 1;
        var process = SiteProcess.Start(
            program,
            arguments,
            new Dictionary<string, string> { ["MPLANE_PG"] = Options.ConnectionString },
            Path.Combine(Paths.Logs, $"{program}-{count.ToString("00", CultureInfo.InvariantCulture)}.log"));
        _processes.Add(process);
        return process;
    }
}
