using System.Net;
using System.Security.Cryptography;
using Mplane.Math.Probe;
using Mplane.Math.Transfer;
using Mplane.Testing;
using Newtonsoft.Json.Linq;

namespace Mplane.Math.Tests;

public sealed class PushTests
{
    private const string First = MathSite.First;
    private const string Second = MathSite.Second;
    private const string Newest = MathSite.Newest;

    [Fact]
    public async Task Finished_files_go_over_mutual_TLS_byte_for_byte_once_and_a_restart_resends_nothing()
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(site.TlsYaml());
        var settings = site.PushSettings(repo.Address, site.Probe1);
        var (uploader, _, ledger) = await site.UploaderAsync(settings);

        Assert.Equal(2, await uploader.PassAsync(includeNewest: false, TestTimeout.Token));
        Assert.Equal(File.ReadAllBytes(site.SourceOf(First)), File.ReadAllBytes(site.StoredOf(First)));
        Assert.Equal(File.ReadAllBytes(site.SourceOf(Second)), File.ReadAllBytes(site.StoredOf(Second)));
        Assert.False(File.Exists(site.StoredOf(Newest))); // Tstat may still be writing it
        Assert.Equal(2, ledger.Entries.Count(e => e.State == "acknowledged"));
        Assert.Equal(0, await uploader.PassAsync(includeNewest: false, TestTimeout.Token));

        await ledger.DisposeAsync();
        var (restarted, _, reopened) = await site.UploaderAsync(settings);
        Assert.Equal(2, reopened.Entries.Count);
        Assert.Equal(0, await restarted.PassAsync(includeNewest: false, TestTimeout.Token));
        Assert.Equal(1, await restarted.PassAsync(includeNewest: true, TestTimeout.Token)); // the capture ended

        await repo.DrainAsync(TestTimeout.Token);
        using var status = site.RawClient(site.Operator);
        var json = JObject.Parse(await status.GetStringAsync(new Uri(repo.Address, "/status"), TestTimeout.Token));
        var stream = (JObject)json["Streams"]![0]!;
        Assert.Equal(MathSite.Stream, (string?)stream["Stream"]);
        Assert.Equal(3, (int)stream["Stored"]!);
        Assert.Equal(3, (int)stream["Handled"]!);
        using var denied = await site.RawClient(site.Probe1).GetAsync(new Uri(repo.Address, "/status"), TestTimeout.Token);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);

        // The probe's own status, on loopback.
        await using var probeStatus = ProbeStatusServer.Build(new IPEndPoint(IPAddress.Loopback, 0), settings, restarted.Status);
        await probeStatus.StartAsync(TestTimeout.Token);
        using var local = new HttpClient();
        var mine = JObject.Parse(await local.GetStringAsync(new Uri(new Uri(probeStatus.Urls.First()), "/status"), TestTimeout.Token));
        Assert.Equal(3, (int)mine["Status"]!["Acknowledged"]!);
        Assert.Equal(0, (int)mine["Status"]!["Pending"]!);
        Assert.Equal(new FileInfo(site.SourceOf(Newest)).Length, (long)mine["Status"]!["BytesSent"]!);
        Assert.Throws<ArgumentException>(() => ProbeStatusServer.Build(new IPEndPoint(IPAddress.Any, 0), settings, restarted.Status));
    }

    [Fact]
    public async Task A_probe_started_while_the_repository_is_down_catches_up_in_order_once_it_is_back()
    {
        await using var site = new MathSite();
        var port = Mplane.Postgres.FreePort.Pick();
        var settings = site.PushSettings(new Uri($"https://127.0.0.1:{port}/"), site.Probe1);
        var (_, clients, ledger) = await site.UploaderAsync(settings);
        var uploader = new PushUploader(settings, clients, ledger, Microsoft.Extensions.Logging.Abstractions.NullLogger<PushUploader>.Instance)
        {
            MaxAttempts = 12,
            RetryDelay = TimeSpan.FromMilliseconds(100),
        };
        var shipping = Task.Run(() => uploader.PassAsync(includeNewest: true, TestTimeout.Token));
        await Task.Delay(1500, TestTimeout.Token);
        Assert.False(shipping.IsCompleted);
        Assert.NotNull(uploader.Status.LastError); // connection refused, retrying

        await site.StartRepoAsync(site.TlsYaml(listen: $"127.0.0.1:{port}"));
        Assert.Equal(3, await shipping);
        Assert.Equal([First, Second, Newest], ledger.Entries.OrderBy(e => e.At).Select(e => e.Path));
    }

    [Fact]
    public async Task Files_land_in_the_warehouse_exactly_once()
    {
        await using var database = await TestDatabase.CreateAsync("mathwarehouse", TestTimeout.Token);
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(site.TlsYaml().Replace("handler: copy", "handler: warehouse", StringComparison.Ordinal), database.DataSource);
        var (uploader, _, _) = await site.UploaderAsync(site.PushSettings(repo.Address, site.Probe1) with { Gzip = false });
        Assert.Equal(3, await uploader.PassAsync(includeNewest: true, TestTimeout.Token));
        await repo.DrainAsync(TestTimeout.Token);
        Assert.Equal(495L, await database.ScalarAsync<long>("SELECT count(*) FROM log_tcp_complete"));
        Assert.Equal(3L, await database.ScalarAsync<long>("SELECT count(*) FROM mplane.imports"));
        Assert.All(repo.Services.Store.Ledger.Entries, e => Assert.Equal("handled", e.State));
    }

    [Fact]
    public async Task Mawi_summaries_are_read_by_their_stream_type_and_placed_by_their_own_times()
    {
        await using var database = await TestDatabase.CreateAsync("mathmawi", TestTimeout.Token);
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(site.TlsYaml().Replace("handler: copy", "handler: warehouse", StringComparison.Ordinal), database.DataSource);
        var (uploader, _, _) = await site.UploaderAsync(site.PushSettings(repo.Address, site.Probe1, directory: TestPaths.MawiSamples, stream: "log_mawi_wide", type: "mawi_wide"));
        Assert.Equal(5, await uploader.PassAsync(includeNewest: true, TestTimeout.Token));
        await repo.DrainAsync(TestTimeout.Token);
        Assert.Equal(41833L, await database.ScalarAsync<long>("SELECT count(*) FROM log_mawi_wide"));
        Assert.Equal(1L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM log_mawi_wide WHERE server_ip = '192.218.242.48' AND user_ip = '193.52.232.189' AND server_port = 33946"));
        Assert.Equal(new DateTime(2009, 3, 31, 11, 0, 0, DateTimeKind.Utc), await database.ScalarAsync<DateTime>("SELECT min(serial_time) FROM log_mawi_wide"));
    }

    [Fact]
    public async Task An_upload_cut_mid_body_resumes_from_the_last_byte_held_even_across_a_repository_restart()
    {
        await using var site = new MathSite();
        var yaml = site.TlsYaml();
        var repo = await site.StartRepoAsync(yaml);
        var source = site.SourceOf(First);
        var bytes = File.ReadAllBytes(source);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));

        // Half the file arrives, then the connection is cut.
        var resource = new Uri(repo.Address, PushProtocol.FilePath(MathSite.Stream, First));
        var half = bytes.Length / 2;
        using (var cut = CancellationTokenSource.CreateLinkedTokenSource(TestTimeout.Token))
        using (var put = new HttpRequestMessage(HttpMethod.Put, resource) { Content = new StreamContent(new StallingStream(bytes, half)) })
        {
            put.Headers.Add(PushProtocol.OffsetHeader, "0");
            put.Headers.Add(PushProtocol.LengthHeader, bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            put.Headers.Add(PushProtocol.Sha256Header, sha);
            put.Headers.Add(PushProtocol.StreamTypeHeader, "log_tcp_complete_v15");
            var sending = site.RawClient(site.Probe1).SendAsync(put, cut.Token);
            long before = -1, now = 0;
            for (var i = 0; i < 100 && (now == 0 || now != before); i++)
            {
                await Task.Delay(200, TestTimeout.Token); // until what the sender wrote has arrived (its last few KB stay in its buffer)
                (before, now) = (now, await HeldAsync(site, repo.Address));
            }

            await cut.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
            Assert.InRange(now, half - 8192, half);
            Assert.Equal(now, await HeldAsync(site, repo.Address)); // what arrived before the cut is kept
        }

        var port = repo.Address.Port;
        var held = await HeldAsync(site, repo.Address);

        await site.StopAsync(repo);
        repo = await site.StartRepoAsync(site.TlsYaml(listen: $"127.0.0.1:{port}"));
        Assert.Equal(held, await HeldAsync(site, repo.Address)); // the partial upload survived the restart

        var (uploader, _, _) = await site.UploaderAsync(site.PushSettings(repo.Address, site.Probe1));
        Assert.Equal(2, await uploader.PassAsync(includeNewest: false, TestTimeout.Token));
        Assert.Equal(bytes, File.ReadAllBytes(site.StoredOf(First)));
        Assert.Single(repo.Services.Store.Ledger.Entries, e => e.Path == First);
    }

    [Fact]
    public async Task A_file_stored_before_its_acknowledgement_reached_the_probe_is_acknowledged_without_resending()
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(site.TlsYaml());
        var (first, _, firstLedger) = await site.UploaderAsync(site.PushSettings(repo.Address, site.Probe1, ledger: "lost.jsonl"));
        Assert.Equal(2, await first.PassAsync(includeNewest: false, TestTimeout.Token));
        var storedAt = repo.Services.Store.Ledger.Find(MathSite.Stream, First)!.At;

        // The probe crashed before its ledger write: a new probe with an empty ledger.
        var (second, _, ledger) = await site.UploaderAsync(site.PushSettings(repo.Address, site.Probe1, ledger: "fresh.jsonl"));
        Assert.Equal(2, await second.PassAsync(includeNewest: false, TestTimeout.Token));
        Assert.Equal(2, ledger.Entries.Count);
        Assert.Equal(storedAt, repo.Services.Store.Ledger.Find(MathSite.Stream, First)!.At);
    }

    [Fact]
    public async Task Probes_without_a_certificate_or_from_another_CA_are_refused_at_the_handshake()
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(site.TlsYaml());
        using var otherPki = new TestPki("Other-CA");
        var stranger = otherPki.Client("Probes", "Probe-1"); // the same identity, another CA

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => site.RawClient(null).GetAsync(new Uri(repo.Address, "/status"), TestTimeout.Token));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => site.RawClient(stranger).GetAsync(new Uri(repo.Address, "/status"), TestTimeout.Token));
        Assert.False(Directory.Exists(Path.Combine(site.Spool, MathSite.Stream)));
    }

    [Fact]
    public async Task An_identity_without_the_stream_s_role_is_refused_and_nothing_is_stored()
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(site.TlsYaml());
        var (uploader, _, _) = await site.UploaderAsync(site.PushSettings(repo.Address, site.Intruder));
        var error = await Assert.ThrowsAsync<UploadRejectedException>(() => uploader.PassAsync(includeNewest: false, TestTimeout.Token));
        Assert.Contains("the repository refused it (403", error.Message, StringComparison.Ordinal);
        Assert.Empty(repo.Services.Store.Ledger.Entries);
    }

    [Fact]
    public async Task Tokens_authenticate_sites_without_a_PKI_and_a_wrong_token_is_refused()
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(site.TlsYaml("tokens:\n  0123456789abcdef0123: org.mplane.SSB.Probes.Probe-1"));
        var (wrong, _, _) = await site.UploaderAsync(site.PushSettings(repo.Address, token: "not-the-token-at-all", ledger: "wrong.jsonl") with { Tls = TlsWithoutCertificate(site) });
        var error = await Assert.ThrowsAsync<UploadRejectedException>(() => wrong.PassAsync(includeNewest: false, TestTimeout.Token));
        Assert.Contains("401", error.Message, StringComparison.Ordinal);

        var (right, _, _) = await site.UploaderAsync(site.PushSettings(repo.Address, token: "0123456789abcdef0123", ledger: "right.jsonl") with { Tls = TlsWithoutCertificate(site) });
        Assert.Equal(2, await right.PassAsync(includeNewest: false, TestTimeout.Token));
    }

    [Theory]
    [InlineData("/math/v1/streams/x%3BDROP%20TABLE%20t/files/2015_02_27_22_30.out/log", HttpStatusCode.BadRequest)]
    [InlineData("/math/v1/streams/log_tcp_complete/files/..%2F..%2F..%2Fetc%2Fpasswd", HttpStatusCode.BadRequest)]
    [InlineData("/math/v1/streams/log_tcp_complete/files/a/.%2E/.%2E/.%2E/escape", HttpStatusCode.NotFound)] // dot segments resolved before routing
    [InlineData("/math/v1/streams/log_tcp_complete/files/.hidden", HttpStatusCode.BadRequest)]
    [InlineData("/etc/passwd", HttpStatusCode.NotFound)]
    public async Task Injection_and_traversal_attempts_are_refused_with_no_effect(string path, HttpStatusCode expected)
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(site.TlsYaml());
        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(repo.Address, path)) { Content = new ByteArrayContent([1, 2, 3]) };
        put.Headers.Add(PushProtocol.OffsetHeader, "0");
        put.Headers.Add(PushProtocol.LengthHeader, "3");
        put.Headers.Add(PushProtocol.Sha256Header, Convert.ToHexStringLower(SHA256.HashData(new byte[] { 1, 2, 3 })));
        put.Headers.Add(PushProtocol.StreamTypeHeader, "log_tcp_complete_v15");
        using var response = await site.RawClient(site.Probe1).SendAsync(put, TestTimeout.Token);
        Assert.Equal(expected, response.StatusCode);
        Assert.Empty(repo.Services.Store.Ledger.Entries);
        Assert.DoesNotContain(Directory.EnumerateFiles(site.Directory.Path, "*", SearchOption.AllDirectories), f => f.Contains("spool", StringComparison.Ordinal) && !f.EndsWith(".jsonl", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Oversized_files_and_registrations_and_wrong_checksums_are_refused()
    {
        await using var site = new MathSite();
        var repo = await site.StartRepoAsync(site.TlsYaml("max_file_size: 1 KB"));
        var (uploader, _, ledger) = await site.UploaderAsync(site.PushSettings(repo.Address, site.Probe1));
        Assert.Equal(0, await uploader.PassAsync(false, TestTimeout.Token)); // each file refused, reported, not retried for ever
        Assert.All(ledger.Entries, e => Assert.Equal("rejected", e.State));
        Assert.All(ledger.Entries, e => Assert.Contains("(413:", e.Detail, StringComparison.Ordinal));
        Assert.Equal(2, ledger.Entries.Count);

        using var http = site.RawClient(site.Probe1);
        using var huge = await http.PostAsync(new Uri(repo.Address, "/DBSImport"), new StringContent(new string(' ', Registration.MaxBodyBytes + 1) + "{}"), TestTimeout.Token);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);

        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(repo.Address, PushProtocol.FilePath(MathSite.Stream, "2015_02_27_22_30.out/x"))) { Content = new ByteArrayContent([1, 2, 3]) };
        put.Headers.Add(PushProtocol.OffsetHeader, "0");
        put.Headers.Add(PushProtocol.LengthHeader, "3");
        put.Headers.Add(PushProtocol.Sha256Header, new string('0', 64));
        put.Headers.Add(PushProtocol.StreamTypeHeader, "log_tcp_complete_v15");
        using var wrong = await http.SendAsync(put, TestTimeout.Token);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrong.StatusCode);
        Assert.Equal(0, await HeldAsync(site, repo.Address, "2015_02_27_22_30.out/x")); // discarded
    }

    private static Transfer.Configuration.TlsMaterial TlsWithoutCertificate(MathSite site) =>
        new(null, new Security.PrivateCa(Security.CertificateFiles.LoadBundle(site.Pki.CaFile)));

    private static async Task<long> HeldAsync(MathSite site, Uri repository, string path = First)
    {
        using var head = await site.RawClient(site.Probe1).SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(repository, PushProtocol.FilePath(MathSite.Stream, path))), TestTimeout.Token);
        return long.Parse(head.Headers.GetValues(PushProtocol.OffsetHeader).Single(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Yields the first <c>cut</c> bytes, then waits until the request is cancelled: a sender that stalls mid-body.</summary>
    private sealed class StallingStream(byte[] bytes, int cut) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= cut)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            var n = System.Math.Min(buffer.Length, System.Math.Min(4096, cut - _position));
            bytes.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
