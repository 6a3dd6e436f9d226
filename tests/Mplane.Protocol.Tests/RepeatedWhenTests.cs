using Mplane.Protocol.Temporal;
using Xunit;

namespace Mplane.Protocol.Tests;

/// <summary>Repeated scopes: every form the reference accepts, written back as it writes them, and their occurrences.</summary>
public sealed class RepeatedWhenTests
{
    private static readonly DateTimeOffset T0 = new(2015, 10, 22, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("repeat now ... future / 1h { now + 5m / 1s } ", "repeat now ... future / 1h { now + 5m / 1s } ")]
    [InlineData("repeat now ... future / 1h { now + 5m / 1s }", "repeat now ... future / 1h { now + 5m / 1s } ")]
    [InlineData("repeat now + 1d / 1h", "repeat now + 1d / 1h ")]
    [InlineData("repeat now + 1d / 1h { now }", "repeat now + 1d / 1h ")]
    [InlineData("repeat 2015-10-22 10:00:00 ... 2015-10-23 10:00:00 cron 0 0,30 * * 1-5 * { now + 10m }", "repeat 2015-10-22 10:00:00.000000 ... 2015-10-23 10:00:00.000000 cron 0 0,30 * * 1-5 * { now + 10m } ")]
    public void Repeated_scopes_are_read_and_written_back_as_the_reference_writes_them(string text, string written) =>
        Assert.Equal(written, RepeatedWhen.Parse(text).ToString());

    [Theory]
    [InlineData("repeat now ... future", "needs a period")]
    [InlineData("repeat now ... future / 1h cron * * * * * *", "cannot be given together")]
    [InlineData("repeat now ... future / 1h { now + 5m", "not closed")]
    [InlineData("repeat now ... future / 1h { 2015-10-22 10:00:00 + 5m }", "inner scope is 'now'")]
    [InlineData("repeat now ... future cron 0 0 25 * * *", "hour field '25'")]
    [InlineData("repeat now ... future cron 0 0 *", "six fields")]
    [InlineData("repeat now ... future / 0s", "longer than 0s")]
    public void Malformed_repeated_scopes_are_errors_that_say_what_is_wrong(string text, string problem) =>
        Assert.Contains(problem, Assert.Throws<FormatException>(() => RepeatedWhen.Parse(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void A_single_scope_parser_refuses_a_repeated_one_and_says_so() =>
        Assert.Contains("repeated scope", Assert.Throws<FormatException>(() => When.Parse("repeat now + 1d / 1h")).Message, StringComparison.Ordinal);

    [Fact]
    public void Periodic_occurrences_keep_the_outer_rhythm_and_stop_at_its_end()
    {
        var repeated = RepeatedWhen.Parse("repeat 2015-10-22 09:00:00 + 3h / 1h { now + 5m / 1s }");
        Assert.Equal([T0, T0.AddHours(1)], repeated.Occurrences(T0.AddMinutes(-1))); // 09:00 has passed; 12:00 is the (exclusive) end
        Assert.Equal([T0.AddHours(1)], repeated.Occurrences(T0.AddMinutes(20)));
        Assert.Equal("2015-10-22 11:00:00.000000 + 5m / 1s", repeated.OccurrenceWhen(T0.AddHours(1)));
    }

    [Fact]
    public void Cron_occurrences_fire_on_matching_seconds_within_the_outer_scope()
    {
        // 2015-10-22 is a Thursday (4), 2015-10-24 a Saturday.
        var repeated = RepeatedWhen.Parse("repeat 2015-10-22 10:00:00 ... 2015-10-26 00:00:00 cron 0 0,30 12 * 4-5 *");
        Assert.Equal(
            [T0.AddHours(2), T0.AddHours(2).AddMinutes(30), T0.AddDays(1).AddHours(2), T0.AddDays(1).AddHours(2).AddMinutes(30)],
            repeated.Occurrences(T0));
        Assert.Equal("2015-10-22 12:00:00.000000", repeated.OccurrenceWhen(T0.AddHours(2)));
    }

    [Fact]
    public void An_endless_repetition_is_enumerated_lazily()
    {
        var repeated = RepeatedWhen.Parse("repeat now ... future / 1s");
        Assert.Equal(1000, repeated.Occurrences(T0).Take(1000).Count());
    }

    [Fact]
    public void A_repeated_specification_follows_a_capability_by_its_inner_period_and_its_outer_start()
    {
        var capability = When.Parse("now ... future / 1s");
        Assert.True(RepeatedWhen.Parse("repeat now ... future / 1h { now + 5m / 1s }").Follows(capability, T0));
        Assert.False(RepeatedWhen.Parse("repeat now ... future / 1h { now + 5m }").Follows(capability, T0)); // the capability needs a period
        Assert.False(RepeatedWhen.Parse("repeat 2015-10-21 10:00:00 ... future / 1h { now + 5m / 1s }").Follows(capability, T0)); // starts before the capability
    }
}

/// <summary>Cron schedules that cannot fire.</summary>
public sealed class CronHorizonTests
{
    [Fact]
    public void A_schedule_that_never_fires_ends_the_repetition_instead_of_searching_until_year_9999()
    {
        var repeated = RepeatedWhen.Parse("repeat now ... future cron 0 0 0 31 * 2");
        Assert.Empty(repeated.Occurrences(new DateTimeOffset(2015, 10, 22, 10, 0, 0, TimeSpan.Zero)));
        Assert.Null(CronSchedule.Parse("* * * * * *").Next(DateTimeOffset.MaxValue.AddDays(-3), DateTimeOffset.MaxValue));
    }
}
