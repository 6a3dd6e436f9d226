using Mplane.Protocol.Matching;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Protocol.Temporal;
using Mplane.Protocol.Values;

namespace Mplane.Protocol.Tests;

/// <summary>Input a peer could send to make a parser throw something other than a clear refusal.</summary>
public sealed class HostileInputTests
{
    private static readonly DateTimeOffset T0 = new(2015, 10, 22, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("now + 5000000d")]
    [InlineData("now + 99999999999999999999999999999d")]
    [InlineData("future ... now")]
    [InlineData("now ... past")]
    [InlineData("past + 1h")]
    [InlineData("2015-10-22 10:60:00")]
    [InlineData("2015-10-22 10:00:00+2000")]
    [InlineData("2015-13-01")]
    public void Scopes_that_cannot_be_meant_are_format_errors(string text) => Assert.Throws<FormatException>(() => When.Parse(text));

    [Fact]
    public void Only_an_absolute_end_inside_the_capability_s_scope_counts() =>
        Assert.False(When.Parse("2015-10-21 10:00:00 + 100000d").Follows(When.Parse("now ... future"), T0));

    [Fact]
    public void Huge_JSON_integers_keep_their_text() =>
        Assert.Equal("123456789012345678901234567890", ((Statement)MessageCodec.Parse(
            """{"specification":"measure","registry":"r","when":"now","parameters":{"a":123456789012345678901234567890}}""")).Parameters["a"]);

    [Fact]
    public void Joined_names_cannot_pass_for_another_schema()
    {
        var capability = new Statement(MessageKind.Capability, "measure")
        {
            Registry = RegistryCatalog.TstatUri, When = "past ... future", Label = "tstat-exporter_log",
            Parameters = new Dictionary<string, string> { ["System_ID"] = "01", ["repository.url"] = "*" },
        };
        var crafted = new Statement(MessageKind.Specification, "measure")
        {
            Registry = RegistryCatalog.TstatUri, When = "now + 1h", Label = "tstat-exporter_log-0",
            Parameters = new Dictionary<string, string> { ["System_ID repository.url"] = "x" },
        };
        Assert.False(SpecificationCheck.Targets(capability, crafted));
        Assert.NotEmpty(new SpecificationCheck(new RegistryCatalog()).Problems(capability, crafted, T0));
    }

    [Fact]
    public void Out_of_range_times_are_not_values() => Assert.Throws<FormatException>(() => ValueCodec.Parse(Prim.Time, "9999-12-31 23:59:59-14:00"));
}
