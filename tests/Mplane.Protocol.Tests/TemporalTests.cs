using Mplane.Protocol.Temporal;

namespace Mplane.Protocol.Tests;

public sealed class TemporalTests
{
    private static readonly DateTimeOffset T0 = new(2015, 10, 22, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("1h30m", 5400)]
    [InlineData("90m", 5400)]
    [InlineData("1d", 86400)]
    [InlineData("0s", 0)]
    [InlineData("10s", 10)]
    public void Durations_parse_and_are_written_largest_unit_first(string text, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), MplaneDuration.Parse(text));
        Assert.Equal(MplaneDuration.Parse(text), MplaneDuration.Parse(MplaneDuration.Format(TimeSpan.FromSeconds(seconds))));
        Assert.Equal("1h30m", MplaneDuration.Format(TimeSpan.FromMinutes(90)));
        Assert.Equal("0s", MplaneDuration.Format(TimeSpan.Zero));
    }

    [Fact]
    public void Inf_is_100000_days_written_back_as_such()
    {
        Assert.Equal(TimeSpan.FromDays(100000), MplaneDuration.Parse("inf"));
        Assert.Equal("100000d", MplaneDuration.Format(MplaneDuration.Parse("inf")));
    }

    [Theory]
    [InlineData("1.5h")]
    [InlineData("h")]
    [InlineData("")]
    [InlineData("5 m")]
    public void A_malformed_duration_is_an_error_not_zero(string text) =>
        Assert.Contains($"'{text}' is not a duration", Assert.Throws<FormatException>(() => MplaneDuration.Parse(text)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("now")]
    [InlineData("past ... future")]
    [InlineData("now ... future / 1s")]
    [InlineData("now + 1h")]
    [InlineData("2015-10-22 10:00:00.000000 ... 2015-10-22 11:00:00.000000")]
    [InlineData("2015-10-22 10:00:00.000000 + 30m / 5m")]
    public void Scopes_are_written_back_exactly(string text) => Assert.Equal(text, When.Parse(text).ToString());

    [Fact]
    public void Absolute_times_gain_six_fraction_digits_and_T_times_keep_their_time_of_day()
    {
        Assert.Equal("2015-10-22 10:00:00.000000 ... future", When.Parse("2015-10-22 10:00 ... future").ToString());
        Assert.Equal(T0, When.Parse("2015-10-22T10:00:00").Evaluate(T0).Start); // the reference reads midnight
        Assert.Equal(T0, When.Parse("2015-10-22T12:00:00+02:00").Evaluate(T0).Start); // and ignores the zone
    }

    [Fact]
    public void Scopes_evaluate_to_a_start_and_an_end()
    {
        Assert.Equal((T0, T0.AddHours(1)), When.Parse("now + 1h").Evaluate(T0));
        Assert.Equal((null, null), When.Parse("past ... future").Evaluate(T0));
        Assert.Equal((T0, (DateTimeOffset?)null), When.Parse("now ... future").Evaluate(T0));
        Assert.Equal((T0, T0), When.Parse("now").Evaluate(T0));
        Assert.Equal("now ... future / 1s", When.Parse("now ... future / 1s ").ToString()); // a trailing space as the reference writes
    }

    [Fact]
    public void A_specification_follows_its_capability()
    {
        Assert.True(When.Parse("now + 1h").Follows(When.Parse("past ... future"), T0));
        Assert.True(When.Parse("now + 1h").Follows(When.Parse("now ... future"), T0));
        Assert.False(When.Parse("2015-10-21 10:00:00 + 1h").Follows(When.Parse("now ... future"), T0)); // an absolute start in the past
        Assert.False(When.Parse("now ... future").Follows(When.Parse("now ... future / 1s"), T0)); // the capability needs a period
        Assert.False(When.Parse("now ... future / 500s").Follows(When.Parse("now ... future / 1000s"), T0)); // at least as long
        Assert.True(When.Parse("now ... future / 1000s").Follows(When.Parse("now ... future / 1s"), T0));
    }
}
