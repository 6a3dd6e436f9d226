using Mplane.Protocol.Matching;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;

namespace Mplane.Protocol.Tests;

public sealed class SpecificationCheckTests
{
    private static readonly DateTimeOffset T0 = new(2015, 10, 22, 10, 0, 0, TimeSpan.Zero);
    private readonly SpecificationCheck _check = new(new RegistryCatalog());

    private static Statement Capability(string label, string when = "past ... future") => new(MessageKind.Capability, "measure")
    {
        Registry = RegistryCatalog.TstatUri,
        When = when,
        Label = label,
        Parameters = new Dictionary<string, string> { ["repository.url"] = "127.0.0.1:3000" },
    };

    private static Statement Specification(string label, string url = "127.0.0.1:3000", string when = "now + 1h") => new(MessageKind.Specification, "measure")
    {
        Registry = RegistryCatalog.TstatUri,
        When = when,
        Label = label,
        Parameters = new Dictionary<string, string> { ["repository.url"] = url },
    };

    [Fact]
    public void Capabilities_with_one_schema_do_not_collide_their_labels_decide()
    {
        // repository-collect_log and repository-collect_streaming share a schema (the reference's collision).
        var log = Capability("repository-collect_log");
        var streaming = Capability("repository-collect_streaming", "now ... future");
        Assert.Same(streaming, SpecificationCheck.Match([log, streaming], Specification("repository-collect_streaming-3")));
        Assert.Same(log, SpecificationCheck.Match([log, streaming], Specification("repository-collect_log-0")));
        Assert.Same(log, SpecificationCheck.Match([log, streaming], Specification("repository-collect_log")));
        Assert.Null(SpecificationCheck.Match([log, streaming], Specification("repository-collect_logx")));
        Assert.Null(SpecificationCheck.Match([log, streaming], Specification("repository-collect_log-")));
    }

    [Fact]
    public void A_matching_specification_within_its_constraints_may_run() =>
        Assert.Empty(_check.Problems(Capability("repository-collect_log"), Specification("repository-collect_log-0"), T0));

    [Fact]
    public void Values_outside_the_constraint_and_scopes_that_do_not_follow_are_refused_with_reasons()
    {
        var problems = _check.Problems(Capability("repository-collect_log", "now ... future / 10s"), Specification("repository-collect_log-1", "10.0.0.1:3000", "2015-10-21 10:00:00 + 1h"), T0);
        Assert.Contains("parameter repository.url = '10.0.0.1:3000' is outside the capability's constraint '127.0.0.1:3000'", problems);
        Assert.Contains("when '2015-10-21 10:00:00 + 1h' does not follow the capability's 'now ... future / 10s'", problems);
        Assert.Contains("parameter repository.url has no value", _check.Problems(Capability("repository-collect_log"), Specification("repository-collect_log-2", "*"), T0));
    }
}
