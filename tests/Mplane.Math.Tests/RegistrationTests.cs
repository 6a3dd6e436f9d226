using Mplane.Math.Transfer;

namespace Mplane.Math.Tests;

public sealed class RegistrationTests
{
    private const string Original =
        """{"XMLName":{"Space":"","Local":""},"CallBackUrl":"localhost:3001","StreamName":"example_log_tcp_complete","StreamType":"log_tcp_complete_v15","StartTime":1424995200}""";

    [Fact]
    public void The_registration_is_written_byte_for_byte_as_the_original_probe_writes_it()
    {
        var json = new Registration("localhost:3001", "example_log_tcp_complete", "log_tcp_complete_v15", 1424995200).ToOriginalJson();
        Assert.Equal(Original, json);
        Assert.Equal(165, System.Text.Encoding.UTF8.GetByteCount(json));
    }

    [Fact]
    public void It_is_read_as_the_original_repository_reads_it()
    {
        Assert.Equal(new Registration("localhost:3001", "example_log_tcp_complete", "log_tcp_complete_v15", 1424995200), Registration.Parse(Original));
        var loose = Registration.Parse("""{"callbackurl":"10.0.0.1:3001","STREAMNAME":"s","streamType":"mawi_wide"}""");
        Assert.Equal(new Registration("10.0.0.1:3001", "s", "mawi_wide", 0), loose); // keys in any case, StartTime missing = 0
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"CallBackUrl":1,"StreamName":"s","StreamType":"t"}""")]
    [InlineData("""{"CallBackUrl":"h:1","StreamName":"s","StreamType":"t","StartTime":"yesterday"}""")]
    public void Anything_else_is_invalid_JSON_data(string body) =>
        Assert.StartsWith("invalid JSON data", Assert.Throws<FormatException>(() => Registration.Parse(body)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("tcp; DROP TABLE x")]
    [InlineData("../etc")]
    [InlineData("")]
    [InlineData("1tcp")]
    public void Stream_names_that_could_reach_SQL_or_paths_are_refused(string name) =>
        Assert.Contains("is not allowed", Assert.Throws<ArgumentException>(() => TransferNames.Stream(name)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("../secret")]
    [InlineData("a/../../b")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData(".hidden/x")]
    [InlineData("a/b\0c")]
    public void Paths_that_could_leave_the_spool_are_refused(string path) =>
        Assert.Throws<ArgumentException>(() => TransferNames.RelativePath(path));
}
