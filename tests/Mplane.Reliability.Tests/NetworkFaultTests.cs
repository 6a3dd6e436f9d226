using System.IO.Compression;
using System.Net;
using Mplane.Reliability.Tests.Transfer;
using Mplane.Testing;
using Xunit.Abstractions;

namespace Mplane.Reliability.Tests;

/// <summary>
/// The network between math_probe and math_repo fails: connections cut mid-transfer again and again,
/// a slow link, a link that goes silent, a fake repository answering garbage, a client sending
/// math_repo garbage. Both programs run as processes; a <see cref="FaultProxy"/> sits between them.
/// Every wait is bounded: a program that does not finish within its bound is a hang, and fails the test.
/// </summary>
public sealed class NetworkFaultTests(ITestOutputHelper output)
{
    private const string Stream = "log_tcp_complete";

    /// <summary>How long a probe may take to ship everything before it counts as hung.</summary>
    private static readonly TimeSpan ProgramBound = TimeSpan.FromSeconds(ReliabilityRun.Full ? 600 : 45);

    [Fact]
    public async Task Connections_cut_mid_transfer_again_and_again_resume_and_every_file_arrives_once_with_its_checksum()
    {
        var cancellationToken = TestTimeout.Token;
        const long cutAfter = 64 * 1024;
        await using var site = new TransferSite("netcut");
        var (source, summary) = await site.GenerateAsync("cut", TimeSpan.FromMinutes(5 * ReliabilityRun.Trials(12, 3)), rate: 10, seed: 101, cancellationToken);
        // Every file is larger on the wire (gzip) than a connection may carry: it arrives only by resuming.
        Assert.All(summary.Files, f => Assert.True(GzipSize(f.Path) > 3 * cutAfter, $"{f.Path} is too small to need resuming"));

        var (_, address) = await site.StartRepoAsync(site.RepoTlsYaml(["Probe-1"]), null, cancellationToken);
        await using var proxy = new FaultProxy(Loopback(address), new FaultPlan(CutAfterBytes: cutAfter));
        var probe = site.StartProbe(site.WriteProbeYaml("probe", source, Stream, proxy.Url("https"), site.ProbeIdentity("Probe-1")), "--once", "--final");
        Assert.Equal(0, await probe.WaitForExitAsync(ProgramBound, cancellationToken));

        var (files, mismatches, problems) = site.CheckStored(Stream, source);
        Assert.Empty(problems);
        Assert.Equal(summary.Files.Count, files);
        Assert.True(proxy.Cuts >= 3 * files, $"{proxy.Cuts} cuts for {files} files");
        Assert.Equal(files, TransferSite.ReadLedger(site.LedgerOf("probe")).Count(e => e.State == "acknowledged"));
        Record("cut mid-transfer", ("connections cut", proxy.Cuts), ("files transferred", files), ("checksum mismatches", mismatches), ("hangs", 0));
    }

    [Fact]
    public async Task A_slow_link_delivers_every_file_without_spurious_timeouts()
    {
        var cancellationToken = TestTimeout.Token;
        const long rate = 512 * 1024;
        await using var site = new TransferSite("netslow");
        var (source, summary) = await site.GenerateAsync("slow", TimeSpan.FromMinutes(5 * ReliabilityRun.Trials(12, 2)), rate: 10, seed: 102, cancellationToken);
        var (_, address) = await site.StartRepoAsync(site.RepoTlsYaml(["Probe-1"]), null, cancellationToken);
        await using var proxy = new FaultProxy(Loopback(address), new FaultPlan(BytesPerSecond: rate));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // With the default stall timeout: a slow link that moves is not a stalled one.
        var probe = site.StartProbe(site.WriteProbeYaml("probe", source, Stream, proxy.Url("https"), site.ProbeIdentity("Probe-1")), "--once", "--final");
        Assert.Equal(0, await probe.WaitForExitAsync(ProgramBound, cancellationToken));
        var elapsed = clock.Elapsed;

        var (files, mismatches, problems) = site.CheckStored(Stream, source);
        Assert.Empty(problems);
        Assert.Equal(summary.Files.Count, files);
        Assert.True(elapsed.TotalSeconds >= 0.9 * proxy.UpstreamBytes / rate, $"{proxy.UpstreamBytes} bytes in {elapsed.TotalSeconds:0.0} s: the link was not throttled");
        Assert.Equal(0, probe.CountLines("retrying")); // nothing timed out on a link that was slow but moving
        Assert.Equal(0, probe.CountLines("resuming"));
        Record("slow link", ("rate KB/s", rate / 1024), ("seconds", System.Math.Round(elapsed.TotalSeconds, 1)), ("files transferred", files), ("checksum mismatches", mismatches), ("hangs", 0));
    }

    [Fact]
    public async Task A_link_that_goes_silent_mid_transfer_is_abandoned_after_the_stall_timeout_and_the_transfer_resumes()
    {
        var cancellationToken = TestTimeout.Token;
        await using var site = new TransferSite("netsilent");
        var (source, summary) = await site.GenerateAsync("silent", TimeSpan.FromMinutes(5 * ReliabilityRun.Trials(6, 2)), rate: 10, seed: 103, cancellationToken);
        // Both ends give up on a silent connection after 3 s (the default is 60 s).
        var (repo, address) = await site.StartRepoAsync(site.RepoTlsYaml(["Probe-1"], extra: "stall_timeout: 3s"), null, cancellationToken);
        var stalls = ReliabilityRun.Trials(6, 2);
        await using var proxy = new FaultProxy(Loopback(address), new FaultPlan(StallAfterBytes: 96 * 1024, MaxStalls: stalls));
        var probe = site.StartProbe(site.WriteProbeYaml("probe", source, Stream, proxy.Url("https"), site.ProbeIdentity("Probe-1"), "stall_timeout: 3s"), "--once", "--final");
        Assert.Equal(0, await probe.WaitForExitAsync(ProgramBound, cancellationToken));

        var (files, mismatches, problems) = site.CheckStored(Stream, source);
        Assert.Empty(problems);
        Assert.Equal(summary.Files.Count, files);
        Assert.Equal(stalls, proxy.Stalls);
        Assert.True(probe.CountLines("made no progress for 3 s") >= stalls, probe.Output);
        Assert.True(repo.CountLines("no byte of the body came for 3 s") >= 1, repo.Output);
        Record("silent link", ("connections gone silent", proxy.Stalls), ("files transferred", files), ("checksum mismatches", mismatches), ("hangs", 0));
    }

    /// <summary>Answers of a fake repository that are not the protocol, each given to its own probe.</summary>
    private static readonly Dictionary<string, Func<GarbageRequest, GarbageAnswer?>> Garbage = new()
    {
        ["not HTTP"] = _ => new GarbageAnswer(System.Text.Encoding.ASCII.GetBytes("\x16\x03\x01 this is not HTTP at all \0\0\xff\r\n\r\n")),
        ["silence"] = _ => null,
        ["500"] = _ => GarbageRepository.Response(500, "Internal Server Error", body: "oops"),
        ["redirect"] = _ => GarbageRepository.Response(302, "Found", ["Location: http://127.0.0.1:1/elsewhere"]),
        ["acknowledged without an offset"] = _ => GarbageRepository.Response(201, "Created"),
        ["acknowledged with a wrong offset"] = r => r.Method == "HEAD"
            ? GarbageRepository.Response(200, "OK", ["Upload-Offset: 0"])
            : GarbageRepository.Response(201, "Created", ["Upload-Offset: 1"]),
        ["negative offset"] = r => r.Method == "HEAD"
            ? GarbageRepository.Response(200, "OK", ["Upload-Offset: -5"])
            : GarbageRepository.Response(201, "Created", ["Upload-Offset: -5"]),
        ["complete with a garbage checksum"] = _ => GarbageRepository.Response(200, "OK", ["Upload-Complete: true", "Upload-Sha256: not-a-checksum", "Upload-Offset: 1"]),
        ["endless headers"] = _ => new GarbageAnswer("HTTP/1.1 200 OK\r\n"u8.ToArray(), System.Text.Encoding.ASCII.GetBytes($"X-Garbage: {new string('x', 1000)}\r\n"), 4 << 20),
        ["endless error body"] = r => r.Method == "HEAD"
            ? GarbageRepository.Response(200, "OK", ["Upload-Offset: 0"])
            : new GarbageAnswer("HTTP/1.1 500 Oops\r\nContent-Length: 2000000000\r\n\r\n"u8.ToArray(), new byte[1 << 16], 512L << 20),
    };

    [Fact]
    public async Task A_fake_repository_answering_garbage_gets_no_file_acknowledged_and_the_probe_retries_until_the_real_one_takes_them()
    {
        var cancellationToken = TestTimeout.Token;
        await using var site = new TransferSite("netgarbage");
        var (source, summary) = await site.GenerateAsync("garbage", TimeSpan.FromMinutes(10), rate: 5, seed: 104, cancellationToken);
        var fakes = Garbage.ToDictionary(g => g.Key, g => new GarbageRepository(g.Value));
        try
        {
            // One probe per kind of garbage, all at once, each shipping its own stream.
            var probes = fakes.Select((fake, i) => (Kind: fake.Key, Fake: fake.Value, Name: $"probe{i}", Stream: $"log_garbage_{i}")).ToList();
            var running = probes.Select(p => (p, Process: site.StartProbe(site.WriteProbeYaml(p.Name, source, p.Stream, p.Fake.Url, null, "stall_timeout: 2s")))).ToList();
            foreach (var (p, process) in running)
            {
                // At least two attempts: the first failed, and was retried.
                await WaitUntilAsync(() => p.Fake.Requests >= 2, TimeSpan.FromSeconds(30), $"{p.Kind}: the probe did not try again ({p.Fake.Requests} requests)\n{process.Output}", cancellationToken);
            }

            foreach (var (p, process) in running)
            {
                Assert.Equal(0, await process.StopAsync(TimeSpan.FromSeconds(15), cancellationToken)); // stops when asked: nothing hangs
                Assert.True(process.PeakRssBytes < 300L << 20, $"{p.Kind}: the probe grew to {process.PeakRssBytes >> 20} MB");
                var ledger = TransferSite.ReadLedger(site.LedgerOf(p.Name));
                Assert.True(ledger.Count == 0, $"{p.Kind}: the probe recorded {string.Join(", ", ledger.Select(e => $"{e.Path} {e.State} {e.Detail}"))}");
            }

            // Then the real repository: every file is still to send, and arrives whole.
            var (_, address) = await site.StartRepoAsync(site.RepoPlainYaml(), null, cancellationToken);
            var shipping = probes.Select(p => site.StartProbe(site.WriteProbeYaml(p.Name, source, p.Stream, address, null), "--once", "--final")).ToList();
            foreach (var process in shipping)
            {
                Assert.Equal(0, await process.WaitForExitAsync(ProgramBound, cancellationToken));
            }

            var checks = probes.Select(p => site.CheckStored(p.Stream, source)).ToList();
            Assert.Empty(checks.SelectMany(c => c.Problems));
            Assert.All(checks, c => Assert.Equal(summary.Files.Count, c.Files));
            Record(
                "fake repository answering garbage",
                ("kinds of garbage", fakes.Count),
                ("garbage answers", fakes.Values.Sum(f => f.Requests)),
                ("files acknowledged by the fake", 0),
                ("files transferred afterwards", checks.Sum(c => c.Files)),
                ("checksum mismatches", checks.Sum(c => c.Mismatches)),
                ("hangs", 0));
        }
        finally
        {
            foreach (var fake in fakes.Values)
            {
                await fake.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_client_sending_math_repo_garbage_is_refused_each_time_and_math_repo_keeps_serving()
    {
        var cancellationToken = TestTimeout.Token;
        await using var site = new TransferSite("netclient");
        var (source, summary) = await site.GenerateAsync("client", TimeSpan.FromMinutes(15), rate: 5, seed: 105, cancellationToken);
        var (repo, address) = await site.StartRepoAsync(site.RepoTlsYaml(["Probe-1"], extra: "stall_timeout: 3s"), null, cancellationToken);
        var identity = site.ProbeIdentity("Probe-1");
        using var certificate = Mplane.Security.CertificateFiles.LoadWithKey(identity.Cert, identity.Key);
        var client = new GarbageClient(Loopback(address), certificate);
        var files = Mplane.Math.Transfer.FinishedFiles.Select(source, DateTimeOffset.UnixEpoch, "log_tcp_complete", holdNewest: false).Files;
        var (first, second) = (files[0], files[1]);
        var (firstSha, secondSha) = (TransferSite.Sha256Of(first.FullPath), TransferSite.Sha256Of(second.FullPath));
        var noise = new Random(7);
        byte[] Noise(int count)
        {
            var bytes = new byte[count];
            noise.NextBytes(bytes);
            return bytes;
        }

        string Resource(Mplane.Math.Transfer.FinishedFile file) => Mplane.Math.Transfer.PushProtocol.FilePath(Stream, file.RelativePath);
        static string[] Upload(long offset, long length, string sha, params string[] more) =>
            [$"Upload-Offset: {offset}", $"Upload-Length: {length}", $"Upload-Sha256: {sha}", "Upload-Stream-Type: log_tcp_complete_v15", .. more];

        // Each: what is sent, over TLS or not, and the answers that count as a refusal (0: the connection closed).
        var garbage = new (string Name, byte[] Bytes, bool Tls, int[] Refusals)[]
        {
            ("random bytes instead of a TLS handshake", Noise(4096), false, [0]),
            ("random bytes after the handshake", Noise(4096), true, [400, 0]),
            ("a request line in no HTTP version", System.Text.Encoding.ASCII.GetBytes($"PUT {Resource(first)} HTTP/9.9\r\nHost: x\r\n\r\n"), true, [400, 505]),
            ("a Content-Length that is no number", GarbageClient.Request("PUT", Resource(first), Upload(0, first.Size, firstSha, "Content-Length: abc")), true, [400]),
            ("headers that never end", GarbageClient.Request("HEAD", Resource(first), [$"X-Junk: {new string('x', 100_000)}"]), true, [431, 400]),
            ("an Upload-Offset ahead of what is held", GarbageClient.Request("PUT", Resource(first), Upload(1000, first.Size, firstSha, "Content-Length: 10"), Noise(10)), true, [409]),
            ("an Upload-Offset that is negative", GarbageClient.Request("PUT", Resource(first), Upload(-1, first.Size, firstSha, "Content-Length: 10"), Noise(10)), true, [400]),
            ("an Upload-Length that is negative", GarbageClient.Request("PUT", Resource(first), Upload(0, -5, firstSha, "Content-Length: 10"), Noise(10)), true, [400]),
            ("a body longer than its Upload-Length", GarbageClient.Request("PUT", Resource(second), Upload(0, 5, secondSha, "Content-Length: 100"), Noise(100)), true, [400]),
            ("an Upload-Sha256 that is no checksum", GarbageClient.Request("PUT", Resource(second), Upload(0, second.Size, "not-a-checksum", "Content-Length: 10"), Noise(10)), true, [400]),
            ("a gzip body that is not gzip", GarbageClient.Request("PUT", Resource(second), Upload(0, second.Size, secondSha, "Content-Encoding: gzip", "Content-Length: 100"), Noise(100)), true, [400]),
        };
        foreach (var (name, bytes, tls, refusals) in garbage)
        {
            var outcome = await client.SendAsync(bytes, TimeSpan.FromSeconds(15), cancellationToken, tls);
            output.WriteLine($"{name}: {outcome.Answer} after {outcome.Elapsed.TotalMilliseconds:0} ms");
            Assert.True(refusals.Contains(outcome.Status), $"{name}: {outcome.Answer}");
        }

        // Garbage as the first file's first bytes, with its true length and checksum: held (204), to be found out at the end.
        var poisoned = await client.SendAsync(GarbageClient.Request("PUT", Resource(first), Upload(0, first.Size, firstSha, "Content-Length: 2000"), Noise(2000)), TimeSpan.FromSeconds(15), cancellationToken);
        Assert.Equal(204, poisoned.Status);

        // A body that stops half-way holds the second file only until the stall timeout; meanwhile math_repo answers others at once.
        var stalled = client.SendAsync(GarbageClient.Request("PUT", Resource(second), Upload(0, second.Size, secondSha, $"Content-Length: {second.Size}"), Noise(1000)), TimeSpan.FromSeconds(30), cancellationToken);
        await Task.Delay(500, cancellationToken);
        var meanwhile = await client.SendAsync(GarbageClient.Request("HEAD", Resource(files[2]), []), TimeSpan.FromSeconds(5), cancellationToken);
        Assert.Equal(200, meanwhile.Status);
        Assert.True(meanwhile.Elapsed < TimeSpan.FromSeconds(2), $"a HEAD took {meanwhile.Elapsed.TotalSeconds:0.0} s beside a stalled upload");
        var stall = await stalled;
        Assert.True(stall.Status is 408 or 0, stall.Answer);
        Assert.InRange(stall.Elapsed.TotalSeconds, 2.5, 15);
        Assert.False(repo.HasExited);

        // A real probe then ships everything: the garbage prefix fails the checksum (422) and is sent again.
        var probe = site.StartProbe(site.WriteProbeYaml("probe", source, Stream, new Uri($"https://127.0.0.1:{address.Port}/"), identity), "--once", "--final");
        Assert.Equal(0, await probe.WaitForExitAsync(ProgramBound, cancellationToken));
        Assert.True(probe.CountLines("422") >= 1, probe.Output);
        var (stored, mismatches, problems) = site.CheckStored(Stream, source);
        Assert.Empty(problems);
        Assert.Equal(summary.Files.Count, stored);
        Assert.Equal(stored, TransferSite.ReadLedger(System.IO.Path.Combine(site.Spool, "ledger.jsonl")).Count(e => e.State == "stored")); // nothing of the garbage was stored
        Record(
            "garbage client against math_repo",
            ("garbage requests refused", garbage.Length + 1),
            ("stalled upload released after s", System.Math.Round(stall.Elapsed.TotalSeconds, 1)),
            ("files transferred afterwards", stored),
            ("checksum mismatches", mismatches),
            ("hangs", 0));
    }

    private void Record(string scenario, params (string Measure, object Value)[] figures)
    {
        foreach (var (measure, value) in figures)
        {
            ReliabilityRun.Record($"network: {scenario}", measure, value);
            output.WriteLine($"{scenario}: {measure} = {value}");
        }
    }

    private static IPEndPoint Loopback(Uri address) => new(IPAddress.Loopback, address.Port);

    private static long GzipSize(string path)
    {
        using var counter = new CountingStream();
        using (var gzip = new GZipStream(counter, CompressionLevel.Fastest, leaveOpen: true))
        using (var file = File.OpenRead(path))
        {
            file.CopyTo(gzip);
        }

        return counter.Length;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan bound, string failure, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < bound, failure);
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>A sink that only counts what is written to it.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;
    }
}
