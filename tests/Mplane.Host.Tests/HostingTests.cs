using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Mplane.Configuration;
using Mplane.Host.Hosting;
using Mplane.Host.Modules;
using Mplane.Testing;

namespace Mplane.Host.Tests;

/// <summary>The repository host: modules supervised, restarted with a growing penalty, the others unaffected, reported in the database.</summary>
public sealed class HostingTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("hosting", TestTimeout.Token);

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public void The_penalty_doubles_with_each_quick_failure_up_to_its_cap_and_a_stable_run_resets_it()
    {
        var penalty = new RestartPenalty(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
        var quick = 0;
        var waits = Enumerable.Range(0, 5).Select(_ => penalty.Next(TimeSpan.FromSeconds(1), ref quick).TotalSeconds).ToList();
        Assert.Equal([5.0, 10, 20, 30, 30], waits);
        Assert.Equal(TimeSpan.FromSeconds(5), penalty.Next(TimeSpan.FromMinutes(2), ref quick));
        Assert.Equal(0, quick);
        Assert.Equal(TimeSpan.FromSeconds(5), penalty.Next(TimeSpan.FromSeconds(1), ref quick));
    }

    [Fact]
    public async Task A_failing_module_is_restarted_after_a_growing_penalty_while_the_others_keep_running()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var failing = new FailingModule();
        var healthy = new HealthyModule();
        var configuration = new RepositoryConfiguration { Host = new HostSection { RestartPenalty = "10s", MaxRestartPenalty = "1m" } };
        using var host = RepositoryHost.Build(configuration, "repository.yaml", [failing, healthy], _database.DataSource, NullLoggerFactory.Instance, time);
        await host.StartAsync(TestTimeout.Token);
        try
        {
            await Eventually(() => failing.Starts == 1 && healthy.Starts == 1);
            var states = new ModuleStates(_database.DataSource);
            var failed = await Eventually(async () => (await states.ReadAsync(TestTimeout.Token)).SingleOrDefault(s => s.Module == "failing" && s.State == ModuleState.Restarting));
            Assert.Equal(1, failed.Restarts);
            Assert.Equal("broken on start 1", failed.LastError);

            // The first penalty is 10 s: not restarted before, restarted after (stepping the clock a
            // second at a time, so that a timer the supervisor creates a moment late is still honoured).
            Assert.InRange(await AdvanceUntil(time, () => failing.Starts == 2), 10, 11);

            // It failed quickly again: the next penalty is 20 s, and it beats (restarting) meanwhile.
            await Eventually(async () => (await states.ReadAsync(TestTimeout.Token)).Single(s => s.Module == "failing").Restarts == 2);
            Assert.InRange(await AdvanceUntil(time, () => failing.Starts == 3), 20, 22);

            // The healthy module ran through it all, once, and beats.
            Assert.Equal(1, healthy.Starts);
            Assert.False(healthy.Cancelled);
            var beat = (await states.ReadAsync(TestTimeout.Token)).Single(s => s.Module == "healthy");
            Assert.Equal(ModuleState.Running, beat.State);
            Assert.Equal(0, beat.Restarts);
            Assert.False(beat.Lost);
        }
        finally
        {
            await host.StopAsync(TestTimeout.Token);
        }

        Assert.True(healthy.Cancelled);
        var stopped = await new ModuleStates(_database.DataSource).ReadAsync(TestTimeout.Token);
        Assert.All(stopped, s => Assert.Equal(ModuleState.Stopped, s.State));
    }

    [Fact]
    public async Task The_configured_modules_run_together_report_themselves_and_stop_with_the_host()
    {
        using var directory = new TemporaryDirectory("hostrun");
        var conf = TestPaths.Home.ConfDirectory;
        File.WriteAllText(directory.Combine("math_repo.yaml"), "listen: 127.0.0.1:0\nplain_http: true\nspool: spool\nhandler: copy\n");
        var file = directory.Combine("repository.yaml");
        File.WriteAllText(file, $"""
            host:
              listen: 127.0.0.1:0
            modules:
              scheduler:
                jobs: {Path.Combine(conf, "jobs")}
              analysis:
                config: {Path.Combine(conf, "analysis.yaml")}
            """);
        var configuration = RepositoryConfiguration.Load(new ProjectHome(directory.Path), file);
        var modules = RepositoryModules.Create(configuration, file, null, _database.DataSource, NullLoggerFactory.Instance);
        Assert.Equal(["status", "math_repo", "scheduler", "retention", "analysis", "streams"], modules.Select(m => m.Name));

        using var host = RepositoryHost.Build(configuration, file, modules, _database.DataSource, NullLoggerFactory.Instance);
        await host.StartAsync(TestTimeout.Token);
        var states = new ModuleStates(_database.DataSource);
        try
        {
            await Eventually(async () => (await states.ReadAsync(TestTimeout.Token)).Count(s => s.State == ModuleState.Running) == modules.Count);
            var status = (StatusModule)modules[0];
            await Eventually(() => status.Address is not null);
            using var http = new HttpClient { BaseAddress = status.Address };
            using var response = await http.GetAsync("/status", TestTimeout.Token);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.True(Directory.Exists(directory.Combine("spool")), "math_repo made its spool");
        }
        finally
        {
            await host.StopAsync(TestTimeout.Token);
        }

        var stopped = await states.ReadAsync(TestTimeout.Token);
        Assert.Equal(modules.Count, stopped.Count(s => s.State == ModuleState.Stopped && s.Restarts == 0));
    }

    [Fact]
    public async Task A_module_is_reported_running_only_once_it_has_started()
    {
        var slow = new SlowStartModule();
        using var host = RepositoryHost.Build(new RepositoryConfiguration(), "repository.yaml", [slow], _database.DataSource, NullLoggerFactory.Instance);
        await host.StartAsync(TestTimeout.Token);
        try
        {
            var states = new ModuleStates(_database.DataSource);
            await Eventually(async () => (await states.ReadAsync(TestTimeout.Token)).Any(s => s.Module == "slow" && s.State == ModuleState.Starting));
            await Task.Delay(ModuleSupervisor.StartGrace + TimeSpan.FromSeconds(1), TestTimeout.Token);
            Assert.Equal(ModuleState.Starting, (await states.ReadAsync(TestTimeout.Token)).Single(s => s.Module == "slow").State);

            slow.Start();
            await Eventually(async () => (await states.ReadAsync(TestTimeout.Token)).Single(s => s.Module == "slow").State == ModuleState.Running);
        }
        finally
        {
            await host.StopAsync(TestTimeout.Token);
        }
    }

    [Theory]
    [InlineData("host:\n  listen: 0.0.0.0:8080\n", "status", "host.listen", "loopback")]
    [InlineData("host:\n  listen: 127.0.0.1\n", "status", "host.listen", "not a loopback address and port")]
    [InlineData("host:\n  restart_penalty: soon\n", "status", "host.restart_penalty", "'soon' is not a duration")]
    [InlineData("modules:\n  scheduler:\n    poll: 0s\n", "scheduler", "modules.scheduler.poll", "not a duration")]
    [InlineData("modules:\n  scheduler:\n    jobs: nowhere\n", "scheduler", "modules.scheduler.jobs", "nowhere does not exist")]
    [InlineData("host:\n  restart_penalty: 1m\n  max_restart_penalty: 10s\n", "status", "host.max_restart_penalty", "shorter than host.restart_penalty")]
    [InlineData("host:\n  shutdown_timeout: 5m\n", "status", "host.shutdown_timeout", "longer than 50s")]
    [InlineData("modules:\n  scheduler:\n    parallel: 0\n", "scheduler", "modules.scheduler.parallel", "from 1 to 64")]
    [InlineData("modules:\n  math_repo:\n    config: missing.yaml\n", "math_repo", "modules.math_repo.config", "missing.yaml does not exist")]
    [InlineData("modules:\n  importer:\n    enabled: true\n", "importer", "modules.importer.folders", "names no folder")]
    [InlineData("modules:\n  importer:\n    folders:\n      - path: logs\n        stream: \"x; drop table y\"\n", "importer", "modules.importer.folders[0].stream", "x; drop table y")]
    [InlineData("modules:\n  analysis:\n    config: bad-analysis.yaml\n", "analysis", "bad-analysis.yaml", "gamma")]
    [InlineData("modules:\n  proxy:\n    config: proxy.conf\n", "proxy", "proxy.conf", "[repository] math_repo is required")]
    [InlineData("retention:\n  - table: log_tcp_complete\n    max_size: 10 G\n", "retention", "max_size", "10 G")]
    public void Configuration_errors_name_the_file_the_key_and_the_problem_before_anything_starts(string yaml, string only, string key, string problem)
    {
        using var directory = new TemporaryDirectory("hostconf");
        Directory.CreateDirectory(directory.Combine("jobs"));
        File.WriteAllText(directory.Combine("math_repo.yaml"), "spool: spool\nhandler: copy\n");
        File.WriteAllText(directory.Combine("bad-analysis.yaml"), "kl_refset:\n  gamma: 0.5\n");
        File.WriteAllText(directory.Combine("proxy.conf"), "[component]\nlisten-port = 0\n");
        var file = directory.Combine("repository.yaml");
        File.WriteAllText(file, yaml);

        var configuration = RepositoryConfiguration.Load(new ProjectHome(directory.Path), file);
        var error = Assert.Throws<ConfigurationException>(() =>
        {
            RepositoryModules.Create(configuration, file, [only], _database.DataSource, NullLoggerFactory.Instance);
            RepositoryModules.Penalty(configuration.Host, file);
            RepositoryModules.ShutdownTimeout(configuration.Host, file);
        });
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_names_the_file_and_line_and_an_unknown_module_is_refused()
    {
        using var directory = new TemporaryDirectory("hostconf");
        var file = directory.Combine("repository.yaml");
        File.WriteAllText(file, "host:\n  listen: 127.0.0.1:0\nmodules:\n  schedular:\n    enabled: false\n");
        var error = Assert.Throws<ConfigurationException>(() => RepositoryConfiguration.Load(new ProjectHome(directory.Path), file));
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Equal(4, error.Line);

        var unknown = Assert.Throws<ConfigurationException>(() => RepositoryModules.Select(new ModulesSection(), ["scheduler", "hydra"], file));
        Assert.Contains("no module hydra", unknown.Message, StringComparison.Ordinal);
        Assert.Equal(["scheduler"], RepositoryModules.Select(new ModulesSection(), ["scheduler"], file));
        Assert.DoesNotContain("importer", RepositoryModules.Select(new ModulesSection(), null, file));
    }

    /// <summary>Advances the clock a second at a time until <paramref name="condition"/> holds; returns the seconds it took.</summary>
    private static async Task<int> AdvanceUntil(FakeTimeProvider time, Func<bool> condition)
    {
        for (var seconds = 1; seconds <= 60; seconds++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            for (var i = 0; i < 30 && !condition(); i++)
            {
                await Task.Delay(10, TestTimeout.Token);
            }

            if (condition())
            {
                return seconds;
            }
        }

        throw new TimeoutException("the condition never held within a minute of the fake clock");
    }

    private static async Task Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(25, TestTimeout.Token);
        }

        Assert.True(condition());
    }

    private static async Task<T> Eventually<T>(Func<Task<T?>> value)
        where T : class
    {
        for (var i = 0; i < 600; i++)
        {
            if (await value() is { } found)
            {
                return found;
            }

            await Task.Delay(25, TestTimeout.Token);
        }

        throw new TimeoutException("the condition never held");
    }

    private static async Task Eventually(Func<Task<bool>> condition) =>
        await Eventually<object>(async () => await condition() ? new object() : null);

    private sealed class FailingModule : IRepositoryModule
    {
        private int _starts;

        public string Name => "failing";

        public int Starts => Volatile.Read(ref _starts);

        public Task RunAsync(CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"broken on start {Interlocked.Increment(ref _starts)}");
    }

    private sealed class SlowStartModule : IRepositoryModule, IStartSignal
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "slow";

        public Task Started => _started.Task;

        public void Start() => _started.TrySetResult();

        public Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private sealed class HealthyModule : IRepositoryModule
    {
        private int _starts;

        public string Name => "healthy";

        public int Starts => Volatile.Read(ref _starts);

        public bool Cancelled { get; private set; }

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _starts);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                Cancelled = true;
            }
        }
    }
}
