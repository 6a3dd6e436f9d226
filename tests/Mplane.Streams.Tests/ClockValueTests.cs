using Mplane.Streams.Statements;

namespace Mplane.Streams.Tests;

public sealed class ClockValueTests
{
    // Late evening of 10 March in New York is already 11 March in UTC: "today" must be the UTC day.
    private static readonly DateTimeOffset Now = new(2024, 3, 10, 23, 30, 0, TimeSpan.FromHours(-5));

    [Theory]
    [InlineData(ClockKind.Timestamp, "2017-08-29 15:05:40", "2017-08-29T15:05:40Z")]
    [InlineData(ClockKind.Timestamp, "2017-08-29T15:05:40.25", "2017-08-29T15:05:40.25Z")]
    [InlineData(ClockKind.Timestamp, "2017-08-29 15:05", "2017-08-29T15:05:00Z")]
    [InlineData(ClockKind.Timestamp, "2017-08-29", "2017-08-29T00:00:00Z")]
    [InlineData(ClockKind.Timestamp, "2017-08-29 15:05:40Z", "2017-08-29T15:05:40Z")]
    [InlineData(ClockKind.Timestamp, "2017-08-29 15:05:40+02:00", "2017-08-29T13:05:40Z")]
    [InlineData(ClockKind.Timestamp, "2017-08-29 15:05:40-03", "2017-08-29T18:05:40Z")]
    [InlineData(ClockKind.Date, "2017-08-29", "2017-08-29T00:00:00Z")]
    [InlineData(ClockKind.Time, "15:05:40", "2024-03-11T15:05:40Z")]
    [InlineData(ClockKind.Time, "00:00", "2024-03-11T00:00:00Z")]
    [InlineData(ClockKind.Time, "23:59:59.5", "2024-03-11T23:59:59.5Z")]
    [InlineData(ClockKind.UnixMs, "1504019140000", "2017-08-29T15:05:40Z")]
    [InlineData(ClockKind.UnixMs, "0", "1970-01-01T00:00:00Z")]
    public void Each_form_resolves_to_its_instant(ClockKind kind, string text, string expected)
    {
        var at = new ClockValue(kind, text).Resolve(Now);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), at);
    }

    [Fact]
    public void A_timestamp_keeps_the_offset_it_was_given_and_is_utc_without_one()
    {
        Assert.Equal(TimeSpan.FromHours(2), new ClockValue(ClockKind.Timestamp, "2017-08-29 15:05:40+02:00").Resolve(Now).Offset);
        Assert.Equal(TimeSpan.Zero, new ClockValue(ClockKind.Timestamp, "2017-08-29 15:05:40").Resolve(Now).Offset);
    }

    [Fact]
    public void A_time_follows_the_day_of_now()
    {
        var clock = new ClockValue(ClockKind.Time, "08:00");

        Assert.Equal(new DateTimeOffset(2024, 1, 1, 8, 0, 0, TimeSpan.Zero), clock.Resolve(new DateTimeOffset(2024, 1, 1, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 8, 0, 0, TimeSpan.Zero), clock.Resolve(new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData(ClockKind.Timestamp, "29.08.2017 15:05")]
    [InlineData(ClockKind.Timestamp, " 2017-08-29 15:05:40")]
    [InlineData(ClockKind.Date, "2017-02-30")]
    [InlineData(ClockKind.Date, "2017-08-29 00:00")]
    [InlineData(ClockKind.Time, "24:00")]
    [InlineData(ClockKind.Time, "3pm")]
    [InlineData(ClockKind.UnixMs, "-1")]
    [InlineData(ClockKind.UnixMs, "253402300800000")]
    [InlineData(ClockKind.UnixMs, "1e3")]
    public void Malformed_text_is_a_format_error_naming_the_expected_form(ClockKind kind, string text)
    {
        var error = Assert.Throws<FormatException>(() => new ClockValue(kind, text).Resolve(Now));

        Assert.Contains($"{text}", error.Message, StringComparison.Ordinal);
        Assert.Contains(kind == ClockKind.UnixMs ? "Unix time" : kind.ToString().ToLowerInvariant(), error.Message, StringComparison.Ordinal);
    }
}
