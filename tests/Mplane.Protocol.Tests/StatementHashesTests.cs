using Mplane.Protocol.Tokens;

namespace Mplane.Protocol.Tests;

/// <summary>The reference implementation's own test vectors (mplane-protocol.md §1.7).</summary>
public sealed class StatementHashesTests
{
    private const string Tstat = "https://raw.githubusercontent.com/fp7mplane/components/master/tstat/tstat-registry.json";

    private static readonly Dictionary<string, string> RepositoryMetadata = new()
    {
        ["System_ID"] = "repository-Proxy", ["System_type"] = "repository", ["System_version"] = "0.1",
    };

    [Theory]
    [InlineData(new[] { "repository.url" }, new string[0], "9baaae2ece20c15e935ea7e8503fb874")]
    [InlineData(new[] { "repository.url" }, new[] { "rrdtimestamp", "rrdValue", "rrdMetirc" }, "1216bc3ba7bc9a9e493edcc422c8c2f6")]
    [InlineData(new[] { "repository.url", "System_ID" }, new string[0], "7b592c37d5797c327f100f3ebf4ee121")]
    public void Schema_hashes_sort_names_ordinally(string[] parameters, string[] results, string expected) =>
        Assert.Equal(expected, StatementHashes.Schema(Tstat, parameters, results));

    [Theory]
    [InlineData("past ... future", "127.0.0.1:3000", new string[0], "0ccb3dc4c3290bbbb63caeb1a9f44a6d")]
    [InlineData("now ... future", "127.0.0.1:9001", new string[0], "39de2de6bf9e6b1423cb42f258a40683")]
    [InlineData("past ... future", "127.0.0.1:9000", new[] { "rrdtimestamp", "rrdValue", "rrdMetirc" }, "5628ceb366cf23076ab131f701b6dbd0")]
    public void Repository_capability_tokens_are_the_reference_s(string when, string url, string[] results, string expected) =>
        Assert.Equal(expected, StatementHashes.Mpcv(Tstat, "measure", when, new Dictionary<string, (string, string)> { ["repository.url"] = (url, "*") }, RepositoryMetadata, results));

    [Fact]
    public void The_tstat_exporter_token_and_its_specification_tokens_are_the_reference_s()
    {
        var metadata = new Dictionary<string, string> { ["System_ID"] = "tStat-Proxy-01", ["System_type"] = "tStat", ["System_version"] = "0.1" };
        var parameters = new Dictionary<string, (string, string)> { ["repository.url"] = ("*", "*"), ["System_ID"] = ("01", "*") };
        Assert.Equal("4f823bb30e892d19f2fac69d93c7902c", StatementHashes.Mpcv(Tstat, "measure", "past ... future", parameters, metadata, []));

        var values = new Dictionary<string, string> { ["System_ID"] = "01", ["repository.url"] = "127.0.0.1:3000" };
        Assert.Equal("ef7a6ccfaff9b0af2778e3ed6d54d159", StatementHashes.Pv(Tstat, "measure", "now + 1h", values, []));
        Assert.Equal("1daf90b437ae676471ad93d1b903d6a0", StatementHashes.Pv(
            Tstat, "measure", "now + 1h", values, [], "(datetime.datetime(2015, 10, 22, 10, 0), datetime.datetime(2015, 10, 22, 11, 0))"));
    }

    [Fact]
    public void The_core_registry_ping_capability_token_is_the_reference_s() =>
        Assert.Equal("40c5320f8ee7517efcea2a857b0f64f9", StatementHashes.Mpcv(
            "http://ict-mplane.eu/registry/core", "measure", "now ... future / 1s",
            new Dictionary<string, (string, string)> { ["destination.ip4"] = ("*", "*"), ["source.ip4"] = ("127.0.0.1", "*") },
            new Dictionary<string, string>(),
            ["delay.twoway.icmp.us.min", "delay.twoway.icmp.us.mean", "delay.twoway.icmp.count", "delay.twoway.icmp.us.max"]));
}
