namespace Mplane.Configuration.Tests;

public sealed class SpansTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("45", 45)]
    [InlineData("250ms", 0.25)]
    public void Parses_operator_durations(string text, double seconds)
    {
        Assert.True(Spans.TryParse(text, out var span));
        Assert.Equal(seconds, span.TotalSeconds, 3);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10 minutes")]
    [InlineData("h")]
    [InlineData("5y")]
    public void Refuses_what_is_not_a_duration(string text) => Assert.False(Spans.TryParse(text, out _));
}
