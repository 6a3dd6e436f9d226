using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Components.Runtime;
using Mplane.Protocol.Matching;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Security;
using Mplane.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mplane.Components.Tests;

/// <summary>The component-initiated workflow against a supervisor played by WireMock (the Python mpsup is not shipped here).</summary>
public sealed class SupervisorClientTests : IDisposable
{
    private const string Mplane = "application/x-mplane+json";
    private readonly WireMockServer _supervisor = WireMockServer.Start();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _supervisor.Stop();
        _supervisor.Dispose();
        _http.Dispose();
    }

    [Fact]
    public async Task Registration_sends_the_capabilities_and_the_callback_pseudo_capability_typed_exactly()
    {
        AcceptRegistrations();
        var client = Client();
        var answers = await client.RegisterAsync(TestTimeout.Token);
        Assert.Equal("ok", answers["repository-collect_log"]);

        var request = Assert.Single(_supervisor.LogEntries, e => e.RequestMessage.Path == "/register/capability").RequestMessage;
        Assert.Equal(Mplane, request.Headers!["Content-Type"].Single());
        var envelope = Assert.IsType<Envelope>(MessageCodec.Parse(request.Body!));
        Assert.Equal(["repository-collect_log", "callback"], envelope.Contents.Cast<Statement>().Select(s => s.Label));
        Assert.Equal(string.Empty, ((Statement)envelope.Contents[0]).Link);
    }

    [Fact]
    public async Task A_specification_gets_a_receipt_then_its_result_and_bad_ones_an_exception_saying_why()
    {
        AcceptRegistrations();
        Deliver(
            Specification("repository-collect_log-0", "127.0.0.1:3000", "good"),
            Specification("repository-collect_log-1", "10.9.9.9:3000", "outside"),
            Specification("tstat-exporter_log-0", "127.0.0.1:3000", "unknown"));
        _supervisor.Given(Request.Create().WithPath("/register/result").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));

        var client = Client();
        await client.RegisterAsync(TestTimeout.Token);
        Assert.Equal(3, await client.PollOnceAsync(TestTimeout.Token));
        await client.DrainAsync();

        var posted = _supervisor.LogEntries.Where(e => e.RequestMessage.Path == "/register/result").Select(e => e.RequestMessage).ToList();
        Assert.All(posted, p => Assert.Equal(Mplane, p.Headers!["Content-Type"].Single()));
        var messages = posted.Select(p => MessageCodec.Parse(p.Body!)).ToList();
        Assert.Contains(messages, m => m is Statement { Kind: MessageKind.Receipt, Token: "good" });
        Assert.Contains(messages, m => m is Statement { Kind: MessageKind.Result, Token: "good" } result && result.When.Contains(" ... ", StringComparison.Ordinal));
        Assert.Contains(messages, m => m is ExceptionMessage { Token: "outside" } e && e.Text.Contains("outside the capability's constraint", StringComparison.Ordinal));
        Assert.Contains(messages, m => m is ExceptionMessage { Token: "unknown", Text: "no service for tstat-exporter_log-0" });
    }

    [Fact]
    public async Task A_callback_sets_the_next_poll_and_the_rest_of_the_envelope_is_still_answered()
    {
        AcceptRegistrations();
        _supervisor.Given(Request.Create().WithPath("/register/result").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));
        var callback = Specification("callback-0", "127.0.0.1:3000", "cb") with { When = "now + 30s", Parameters = new Dictionary<string, string>() };
        Deliver(callback, Specification("repository-collect_log-0", "127.0.0.1:3000", "after"));
        var client = Client();
        await client.RegisterAsync(TestTimeout.Token);

        Assert.Equal(1, await client.PollOnceAsync(TestTimeout.Token)); // the callback is no job
        await client.DrainAsync();
        Assert.InRange(client.NextPoll!.Value, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));
        Assert.Contains(_supervisor.LogEntries, e => e.RequestMessage.Path == "/register/result" && e.RequestMessage.Body!.Contains("\"after\"", StringComparison.Ordinal));

        Deliver(callback with { When = "now + 10d" });
        await client.PollOnceAsync(TestTimeout.Token);
        Assert.Equal(SupervisorClient.MaxCallbackDelay, client.NextPoll);
    }

    [Fact]
    public async Task An_interrupt_from_the_supervisor_stops_the_job_and_is_answered_with_the_receipt()
    {
        AcceptRegistrations();
        _supervisor.Given(Request.Create().WithPath("/register/result").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));
        var slow = Specification("repository-collect_log-0", "127.0.0.1:3000", "slow");
        Deliver(slow);
        var client = Client(delay: TimeSpan.FromMinutes(5));
        await client.RegisterAsync(TestTimeout.Token);
        await client.PollOnceAsync(TestTimeout.Token);

        Deliver(slow with { Kind = MessageKind.Interrupt });
        await client.PollOnceAsync(TestTimeout.Token);
        await client.DrainAsync();

        var messages = _supervisor.LogEntries.Where(e => e.RequestMessage.Path == "/register/result").Select(e => MessageCodec.Parse(e.RequestMessage.Body!)).ToList();
        Assert.Equal(2, messages.Count(m => m is Statement { Kind: MessageKind.Receipt, Token: "slow" })); // the specification's and the interrupt's answer
        Assert.Contains(messages, m => m is ExceptionMessage { Token: "slow", Text: "Interrupted" });
    }

    [Fact]
    public async Task A_supervisor_that_restarts_gets_the_registration_again()
    {
        AcceptRegistrations();
        _supervisor.Given(Request.Create().WithPath("/show/specification").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", Mplane).WithBody("""{"contents": [], "envelope": "message", "version": 1}"""));
        var client = Client(poll: "0.1");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestTimeout.Token);
        var running = client.RunAsync(stop.Token);
        await WaitForAsync(() => Registrations() == 1);

        // The supervisor forgets us (the reference's sdk branch answers 428): register again.
        _supervisor.Given(Request.Create().WithPath("/show/specification").UsingGet()).AtPriority(0).RespondWith(Response.Create().WithStatusCode(428));
        await WaitForAsync(() => Registrations() >= 2);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Theory]
    [InlineData("[component]\nclient_host = 127.0.0.1\nspecification_path = s\nresult_path = r", "x.conf: [component] registration_path is required")]
    [InlineData("[component]\nclient_host = h\nclient_port = http\nregistration_path = a\nspecification_path = s\nresult_path = r", "x.conf: [component] client_port 'http' is not a port")]
    public void Missing_or_wrong_component_keys_name_the_file_and_key(string conf, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => ComponentSettings.From(ConfFile.Parse(conf, "x.conf"))).Message);

    [Fact]
    public void The_reference_s_component_keys_give_the_supervisor_s_address_and_paths()
    {
        var settings = ComponentSettings.From(ConfFile.Parse(
            "[TLS]\ncert = a\n[component]\nclient_host = 127.0.0.1\nclient_port = 8889\nregistration_path = register/capability\nspecification_path = show/specification\nresult_path = register/result", "tstat.conf"));
        Assert.Equal(new Uri("https://127.0.0.1:8889/"), settings.Supervisor);
        Assert.Equal("/register/capability", settings.RegistrationPath);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.PollInterval);
    }

    private int Registrations() => _supervisor.LogEntries.Count(e => e.RequestMessage.Path == "/register/capability");

    private SupervisorClient Client(string poll = "5", TimeSpan? delay = null)
    {
        var conf = ConfFile.Parse(
            $"[component]\nclient_host = 127.0.0.1\nclient_port = {_supervisor.Ports[0]}\nregistration_path = register/capability\nspecification_path = show/specification\nresult_path = register/result\npoll_interval = {poll}", "component.conf");
        return new SupervisorClient(ComponentSettings.From(conf), [new CollectLogService(delay ?? TimeSpan.Zero)], _http, new SpecificationCheck(new RegistryCatalog()), "Identity.Unauthenticated.Default", NullLogger<SupervisorClient>.Instance);
    }

    private void AcceptRegistrations() =>
        _supervisor.Given(Request.Create().WithPath("/register/capability").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", Mplane)
                .WithBody("""{"repository-collect_log":{"registered":"ok"},"callback":{"registered":"ok"}}"""));

    private void Deliver(params Statement[] specifications) =>
        _supervisor.Given(Request.Create().WithPath("/show/specification").UsingGet()).AtPriority(-_supervisor.Mappings.Count())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", Mplane).WithBody(MessageCodec.Write(new Envelope(specifications))));

    private static Statement Specification(string label, string url, string token) => new(MessageKind.Specification, "measure")
    {
        Registry = RegistryCatalog.TstatUri,
        When = "now + 1h",
        Label = label,
        Token = token,
        Parameters = new Dictionary<string, string> { ["repository.url"] = url },
    };

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50, TestTimeout.Token);
        }

        Assert.True(condition(), "timed out waiting");
    }

    /// <summary>A stand-in service with the repository's collect_log capability shape.</summary>
    private sealed class CollectLogService(TimeSpan delay) : IService
    {
        public Statement Capability { get; } = new(MessageKind.Capability, "measure")
        {
            Registry = RegistryCatalog.TstatUri,
            When = "past ... future",
            Label = "repository-collect_log",
            Token = "0ccb3dc4c3290bbbb63caeb1a9f44a6d",
            Parameters = new Dictionary<string, string> { ["repository.url"] = "127.0.0.1:3000" },
        };

        public async Task<Statement> RunAsync(Statement specification, CancellationToken cancellationToken)
        {
            await Task.Delay(delay, cancellationToken);
            return specification with { Kind = MessageKind.Result, When = "2015-10-22 10:00:00.000000 ... 2015-10-22 11:00:00.000000" };
        }
    }
}
