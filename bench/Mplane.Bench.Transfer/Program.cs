// Transfer benchmark (issue #5): about 1 GB of generated Tstat logs from math_probe to math_repo over
// loopback with mutual TLS, SHA-256 and durable storage (fsync), against curl uploading the same files
// over HTTPS (client certificate) to a plain sink that discards them, in the same run.
// Usage: dotnet run -c Release --project bench/Mplane.Bench.Transfer -- [RUNS]
// Needs bin/math_probe and bin/math_repo (scripts/build) and curl.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Mplane.Configuration;
using Mplane.Generators.Tstat;
using Mplane.LogFormats.Scanning;
using Mplane.Security;
using Mplane.Testing;

var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2;
var home = ProjectHome.Discover();
var work = Path.Combine(home.DataDirectory, "bench", "transfer");
var logs = Path.Combine(work, "logs");
var bin = Path.Combine(home.Root, "bin");
if (!File.Exists(Path.Combine(logs, AnomalyLabel.FileName)))
{
    Console.Error.WriteLine("generating about 1.1 GB of logs (6 files of 5 minutes at 1000 flows/s)");
    await new TstatLogGenerator().GenerateAsync(
        new TstatGeneratorOptions { OutputDirectory = logs, Start = new DateTimeOffset(2015, 2, 27, 14, 0, 0, TimeSpan.Zero), Duration = TimeSpan.FromMinutes(30), Interval = TimeSpan.FromMinutes(5), Rate = 1000, Seed = 5 },
        null, CancellationToken.None);
}

var files = InputFiles.Expand([logs], "log_tcp_complete");
var bytes = files.Sum(f => new FileInfo(f).Length);
using var pki = new TestPki();
var server = pki.Server();
var client = pki.Client("Probes", "Probe-1");

// The reference: curl to a sink that reads and discards (Kestrel, mutual TLS, the same CA).
var ca = new PrivateCa(CertificateFiles.LoadBundle(pki.CaFile));
// The content root in the program's folder and no configuration reload: by default the working
// directory is watched recursively, and every write to files below it (a spool) wakes the watcher.
var sinkBuilder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = ["--hostBuilder:reloadConfigOnChange=false"] });
sinkBuilder.Logging.ClearProviders();
sinkBuilder.WebHost.ConfigureKestrel(k =>
{
    k.Limits.MaxRequestBodySize = null;
    k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(h =>
    {
        h.ServerCertificate = CertificateFiles.LoadWithKey(server.Cert, server.Key);
        h.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
        h.ClientCertificateValidation = (c, chain, _) => ca.Trusts(c, chain);
    }));
});
await using var sink = sinkBuilder.Build();
sink.MapPut("/{**name}", async (HttpContext context) =>
{
    await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
    return Results.Created();
});
await sink.StartAsync();
var sinkUrl = sink.Urls.First();

// CPU seconds (user + system) of both ends, to tell a CPU-bound run from a waiting one.
async Task<(double Seconds, double Cpu)> CurlAsync()
{
    var sinkCpu = Process.GetCurrentProcess().TotalProcessorTime;
    var cpu = 0.0;
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < files.Count; i++)
    {
        var times = Path.Combine(work, "curl.cpu");
        await RunAsync("/usr/bin/time", ["-f", "%U %S", "-o", times, "curl", "-sS", "-f", "-o", "/dev/null", "--cacert", pki.CaFile, "--cert", client.Cert, "--key", client.Key, "-T", files[i], $"{sinkUrl}/f{i}"]);
        cpu += CpuOf(File.ReadAllText(times));
    }

    var seconds = clock.Elapsed.TotalSeconds;
    return (seconds, cpu + (Process.GetCurrentProcess().TotalProcessorTime - sinkCpu).TotalSeconds);
}

static double CpuOf(string userSystem) => userSystem.Trim().Split(' ').Sum(t => double.Parse(t, CultureInfo.InvariantCulture));

static double ProcessCpu(int pid)
{
    // utime and stime, fields 14 and 15 of /proc/PID/stat, in clock ticks (100 per second on Linux).
    var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
}

async Task<(double Seconds, long PeakKb, double Cpu)> MathAsync(bool gzip)
{
    var spool = Path.Combine(work, "spool");
    if (Directory.Exists(spool))
    {
        Directory.Delete(spool, recursive: true);
    }

    var port = Mplane.Postgres.FreePort.Pick();
    var repoYaml = Path.Combine(work, "math_repo.yaml");
    File.WriteAllText(repoYaml, $"""
        listen: 127.0.0.1:{port}
        tls: {"{"}cert: {server.Cert}, key: {server.Key}, ca_chain: {pki.CaFile}{"}"}
        roles: {"{"}org.mplane.SSB.Probes.Probe-1: probes{"}"}
        authorizations: {"{"}log_: probes{"}"}
        spool: {spool}
        handler: copy
        max_file_size: 4 GB
        """);
    var probeYaml = Path.Combine(work, "math_probe.yaml");
    File.WriteAllText(probeYaml, $"""
        mode: push
        directory: {logs}
        kinds: log_tcp_complete
        repository: https://127.0.0.1:{port}
        tls: {"{"}cert: {client.Cert}, key: {client.Key}, ca_chain: {pki.CaFile}{"}"}
        ledger: {Path.Combine(spool, "probe.ledger.jsonl")}
        gzip: {(gzip ? "true" : "false")}
        """);
    using var repo = Process.Start(new ProcessStartInfo(Path.Combine(bin, "math_repo"), ["--config", repoYaml]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    repo.OutputDataReceived += (_, _) => { };
    repo.BeginOutputReadLine();
    for (var i = 0; i < 100 && Mplane.Postgres.FreePort.IsFree(port); i++) // until math_repo listens
    {
        await Task.Delay(100);
    }

    var memory = Path.Combine(work, "probe.mem");
    var repoCpu = ProcessCpu(repo.Id);
    var clock = Stopwatch.StartNew();
    await RunAsync("/usr/bin/time", ["-f", "%M %U %S", "-o", memory, Path.Combine(bin, "math_probe"), "--config", probeYaml, "--once", "--final"]);
    var seconds = clock.Elapsed.TotalSeconds;
    repoCpu = ProcessCpu(repo.Id) - repoCpu;
    repo.Kill();
    await repo.WaitForExitAsync();
    var stored = Directory.EnumerateFiles(Path.Combine(spool, "log_tcp_complete"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
    if (stored != bytes)
    {
        throw new InvalidOperationException($"math_repo stored {stored} bytes, expected {bytes}");
    }

    var probe = File.ReadAllText(memory).Trim().Split(' ');
    return (seconds, long.Parse(probe[0], CultureInfo.InvariantCulture), repoCpu + CpuOf($"{probe[1]} {probe[2]}"));
}

static async Task RunAsync(string program, IEnumerable<string> arguments)
{
    using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    var output = process.StandardOutput.ReadToEndAsync();
    var error = await process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    await output;
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {error}");
    }
}

(double Seconds, double Cpu) bestCurl = (double.MaxValue, 0);
(double Seconds, long PeakKb, double Cpu) bestPlain = (double.MaxValue, 0, 0), bestGzip = (double.MaxValue, 0, 0);
for (var run = 0; run < runs; run++)
{
    var curl = await CurlAsync();
    bestCurl = curl.Seconds < bestCurl.Seconds ? curl : bestCurl;
    var plain = await MathAsync(gzip: false);
    bestPlain = plain.Seconds < bestPlain.Seconds ? plain : bestPlain;
    var gzip = await MathAsync(gzip: true);
    bestGzip = gzip.Seconds < bestGzip.Seconds ? gzip : bestGzip;
}

string Rate(double seconds) => (bytes / 1e6 / seconds).ToString("0", CultureInfo.InvariantCulture);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

    | transfer of {files.Count} files, {bytes / 1e6:0} MB, best of {runs} | time | MB/s | ratio to curl | CPU seconds (both ends) | probe peak memory |
    |---|---|---|---|---|---|
    | curl -T, HTTPS with client certificate, to a discarding sink | {bestCurl.Seconds:0.00} s | {Rate(bestCurl.Seconds)} | 1.00 | {bestCurl.Cpu:0.0} | |
    | math_probe to math_repo (mutual TLS, SHA-256 both ends, fsync, ledgers) | {bestPlain.Seconds:0.00} s | {Rate(bestPlain.Seconds)} | {bestCurl.Seconds / bestPlain.Seconds:0.00} | {bestPlain.Cpu:0.0} | {bestPlain.PeakKb} KB |
    | the same with gzip on the wire | {bestGzip.Seconds:0.00} s | {Rate(bestGzip.Seconds)} | {bestCurl.Seconds / bestGzip.Seconds:0.00} | {bestGzip.Cpu:0.0} | {bestGzip.PeakKb} KB |
    """));
