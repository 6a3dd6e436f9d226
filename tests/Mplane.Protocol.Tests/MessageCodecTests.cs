using Mplane.Protocol.Messages;
using Mplane.Protocol.Tokens;

namespace Mplane.Protocol.Tests;

public sealed class MessageCodecTests
{
    private const string Tstat = "https://raw.githubusercontent.com/fp7mplane/components/master/tstat/tstat-registry.json";

    /// <summary>The Tstat proxy's registration envelope (mplane-protocol.md §6.1, step 1).</summary>
    private const string Registration = """
        {
          "contents": [
            {
              "capability": "measure",
              "label": "tstat-exporter_log",
              "link": "",
              "metadata": {
                "System_ID": "tStat-Proxy-01",
                "System_type": "tStat",
                "System_version": "0.1"
              },
              "parameters": {
                "System_ID": "01",
                "repository.url": "*"
              },
              "registry": "https://raw.githubusercontent.com/fp7mplane/components/master/tstat/tstat-registry.json",
              "token": "4f823bb30e892d19f2fac69d93c7902c",
              "version": 1,
              "when": "past ... future"
            },
            {
              "capability": "measure",
              "label": "callback",
              "registry": "https://raw.githubusercontent.com/fp7mplane/components/master/tstat/tstat-registry.json",
              "version": 1,
              "when": "now ... future"
            }
          ],
          "envelope": "message",
          "version": 1
        }
        """;

    [Fact]
    public void The_reference_s_registration_envelope_reads_and_is_written_back_identically()
    {
        var envelope = Assert.IsType<Envelope>(MessageCodec.Parse(Registration));
        var capability = Assert.IsType<Statement>(envelope.Contents[0]);
        Assert.Equal((MessageKind.Capability, "measure", "tstat-exporter_log"), (capability.Kind, capability.Verb, capability.Label));
        Assert.Equal("01", capability.Parameters["System_ID"]);
        Assert.Empty(Assert.IsType<Statement>(envelope.Contents[1]).Parameters); // the callback pseudo-capability

        // The capability's token is its mpcv hash.
        Assert.Equal(capability.Token, StatementHashes.Mpcv(
            capability.Registry, capability.Verb, capability.When,
            capability.Parameters.ToDictionary(p => p.Key, p => (p.Value, "*")), capability.Metadata, capability.Results));
        Assert.Equal(Registration.ReplaceLineEndings("\n"), MessageCodec.Write(envelope).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void The_first_kind_key_present_decides_and_unknown_keys_are_ignored()
    {
        var message = MessageCodec.Parse("""{"receipt":"measure","result":"measure","registry":"r","when":"now","tags":"x"}""");
        Assert.Equal(MessageKind.Result, message.Kind);
        Assert.Equal("Cannot determine message type", Assert.Throws<FormatException>(() => MessageCodec.Parse("""{"version":1}""")).Message[..29]);
    }

    [Fact]
    public void Exceptions_are_exactly_token_and_message_and_always_carry_a_token_string()
    {
        var exception = Assert.IsType<ExceptionMessage>(MessageCodec.Parse("""{"exception": "1daf90b437ae676471ad93d1b903d6a0", "message": "Unknown job"}"""));
        Assert.Equal(("1daf90b437ae676471ad93d1b903d6a0", "Unknown job"), (exception.Token, exception.Text));
        Assert.Equal("{\n  \"exception\": \"\",\n  \"message\": \"no token\"\n}", MessageCodec.Write(new ExceptionMessage(null, "no token")).ReplaceLineEndings("\n"));
        Assert.Equal("{\n  \"contents\": [],\n  \"envelope\": \"message\",\n  \"version\": 1\n}", MessageCodec.Write(new Envelope([])).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Native_JSON_values_become_the_reference_s_text_and_export_is_kept()
    {
        var result = Assert.IsType<Statement>(MessageCodec.Parse(
            """{"result":"measure","registry":"r","when":"2015-10-22 10:00:00.000000 ... 2015-10-22 11:00:00.000000","export":"tcp://x:1","parameters":{"a":80,"b":true,"c":0.5},"results":["x","y"],"resultvalues":[[1,"2"],["3"]]}"""));
        Assert.Equal(("80", "True", "0.5"), (result.Parameters["a"], result.Parameters["b"], result.Parameters["c"]));
        Assert.Equal("tcp://x:1", result.Export);
        Assert.Null(result.Link);
        Assert.Equal(["1", "2"], result.ResultValues[0]);
    }

    [Theory]
    [InlineData("""{"capability":"measure","registry":"r","when":"now","version":2}""", "Version mismatch")]
    [InlineData("""{"capability":"measure","when":"now"}""", "the capability has no registry")]
    [InlineData("""{"capability":"measure","registry":"r"}""", "the capability has no when")]
    [InlineData("""{"result":"measure","registry":"r","when":"now","results":["x"],"resultvalues":[["1","2"]]}""", "resultvalues row 0 has 2 cells for 1 results")]
    [InlineData("""{"capability":"measure","registry":"r","when":"now","parameters":{"a":{"b":1}}}""", "'parameters.a' holds a Object")]
    [InlineData("[1]", "an mPlane message is a JSON object")]
    public void Malformed_messages_are_errors_that_say_why(string json, string message) =>
        Assert.StartsWith(message, Assert.Throws<FormatException>(() => MessageCodec.Parse(json)).Message, StringComparison.Ordinal);

    [Fact]
    public void Deeply_nested_JSON_is_refused()
    {
        var deep = string.Concat(Enumerable.Repeat("""{"envelope":"message","contents":[""", 40)) + string.Concat(Enumerable.Repeat("]}", 40));
        Assert.StartsWith("not JSON", Assert.Throws<FormatException>(() => MessageCodec.Parse(deep)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_specification_of_step_4_reads_with_its_token() =>
        Assert.Equal("1daf90b437ae676471ad93d1b903d6a0", Assert.IsType<Statement>(MessageCodec.Parse(
            $$"""{"label":"tstat-exporter_log-0","parameters":{"System_ID":"01","repository.url":"127.0.0.1:3000"},"registry":"{{Tstat}}","specification":"measure","token":"1daf90b437ae676471ad93d1b903d6a0","version":1,"when":"now + 1h"}""")).Token);
}
