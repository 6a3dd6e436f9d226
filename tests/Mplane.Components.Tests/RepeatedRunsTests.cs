using System.Collections.Concurrent;
using Mplane.Components.Runtime;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Protocol.Temporal;
using Mplane.Testing;

namespace Mplane.Components.Tests;

/// <summary>Repeated specifications run as the reference's multi-jobs: one sub-specification per occurrence, one Envelope.</summary>
public sealed class RepeatedRunsTests
{
    private static Statement Specification(string when) => new(MessageKind.Specification, "measure")
    {
        Registry = RegistryCatalog.TstatUri, When = when, Label = "tstat-log_rrds-1", Token = "5eb1a2c3d4e5f60718293a4b5c6d7e8f",
    };

    private static Func<Statement, CancellationToken, Task<Message>> Recording(ConcurrentQueue<Statement> runs) => (one, _) =>
    {
        runs.Enqueue(one);
        return Task.FromResult<Message>(one with { Kind = MessageKind.Result });
    };

    [Fact]
    public async Task Each_occurrence_runs_with_its_own_absolute_scope_and_token_and_the_envelope_carries_the_specification_s()
    {
        var runs = new ConcurrentQueue<Statement>();
        var specification = Specification("repeat now + 3s / 1s { now + 1s } ");
        var answer = Assert.IsType<Envelope>(await RepeatedRuns.RunAsync(specification, Recording(runs), 0, TestTimeout.Token));

        Assert.Equal(3, answer.Contents.Count);
        Assert.Equal(specification.Token, answer.Token);
        Assert.Equal(specification.Label, answer.Label);
        Assert.Equal(specification.When, answer.When);
        Assert.Equal(3, runs.Select(r => r.Token).Distinct().Count(t => t != specification.Token));
        var starts = runs.Select(r => When.Parse(r.When)).ToList();
        Assert.All(starts, w => Assert.Equal((TimePointKind.Absolute, TimeSpan.FromSeconds(1)), (w.Start.Kind, w.Duration!.Value)));
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)], starts.Zip(starts.Skip(1), (a, b) => b.Start.Instant - a.Start.Instant));
    }

    [Fact]
    public async Task The_envelope_keeps_the_last_outcomes_only_when_told()
    {
        var runs = new ConcurrentQueue<Statement>();
        var answer = Assert.IsType<Envelope>(await RepeatedRuns.RunAsync(Specification("repeat now + 3s / 1s"), Recording(runs), 2, TestTimeout.Token));
        Assert.Equal(runs.Skip(1).Select(r => r.Token), answer.Contents.Cast<Statement>().Select(r => r.Token));
    }

    [Fact]
    public async Task An_interrupt_ends_the_repetition_with_the_outcomes_so_far()
    {
        var runs = new ConcurrentQueue<Statement>();
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestTimeout.Token);
        interrupt.CancelAfter(TimeSpan.FromSeconds(1.5));
        var answer = Assert.IsType<Envelope>(await RepeatedRuns.RunAsync(Specification("repeat now ... future / 1s"), Recording(runs), 0, interrupt.Token));
        Assert.Equal(2, answer.Contents.Count);
    }

    [Fact]
    public async Task A_single_scope_runs_once_and_answers_its_own_outcome()
    {
        var runs = new ConcurrentQueue<Statement>();
        var answer = Assert.IsType<Statement>(await RepeatedRuns.RunAsync(Specification("now + 1s"), Recording(runs), 0, TestTimeout.Token));
        Assert.Equal(MessageKind.Result, answer.Kind);
        Assert.Equal("now + 1s", Assert.Single(runs).When);
    }
}
