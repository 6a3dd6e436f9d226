using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Mplane.Components.Tstat;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Testing;

namespace Mplane.Components.Tests;

public sealed class TstatExporterLogServiceTests
{
    [Fact]
    public void The_capability_is_the_reference_s_with_its_token() =>
        Assert.Equal("4f823bb30e892d19f2fac69d93c7902c", new TstatExporterLogService(new TstatExporterSettings("/tmp", "01"), NullLogger<TstatExporterLogService>.Instance).Capability.Token);

    [Fact]
    public async Task Math_probe_runs_in_math_path_with_the_original_command_line_and_is_stopped_at_the_end()
    {
        using var mathPath = new TemporaryDirectory("math_path");
        var record = mathPath.Combine("record");
        var program = mathPath.Combine("math_probe");
        // A stand-in math_probe: records where and how it was started, then runs until it is stopped.
        File.WriteAllText(program, $"#!/bin/sh\necho \"$PWD\" > {record}\necho \"$@\" >> {record}\necho $$ >> {record}\nexec sleep 60\n");
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var service = new TstatExporterLogService(new TstatExporterSettings(mathPath.Path, "01"), NullLogger<TstatExporterLogService>.Instance);
        var specification = new Statement(MessageKind.Specification, "measure")
        {
            Registry = RegistryCatalog.TstatUri,
            When = "now + 2s",
            Label = "tstat-exporter_log-0",
            Token = "t",
            Parameters = new Dictionary<string, string> { ["System_ID"] = "01", ["repository.url"] = "127.0.0.1:3000" },
        };
        var directory = Environment.CurrentDirectory;
        var started = DateTimeOffset.UtcNow;

        var result = await service.RunAsync(specification, TestTimeout.Token);

        Assert.Equal(directory, Environment.CurrentDirectory); // the process's own directory never changes
        var lines = File.ReadAllLines(record);
        Assert.Equal(mathPath.Path, lines[0]);
        var startTime = lines[1].Split(' ')[5];
        Assert.Equal("--config math_probe.xml --repoUrl 127.0.0.1:3000 --startTime " + startTime, lines[1]);
        Assert.InRange(DateTimeOffset.ParseExact(startTime, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal), started.AddSeconds(-2), started.AddSeconds(2));
        Assert.False(File.Exists($"/proc/{lines[2]}/status") && !File.ReadAllText($"/proc/{lines[2]}/status").Contains("zombie", StringComparison.Ordinal)); // stopped
        Assert.Equal(MessageKind.Result, result.Kind);
        Assert.Contains(" ... ", result.When, StringComparison.Ordinal);
    }
}
