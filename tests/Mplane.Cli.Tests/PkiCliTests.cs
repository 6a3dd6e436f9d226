using System.Net;
using System.Security.Cryptography.X509Certificates;
using Mplane.Security;
using Mplane.Testing;

namespace Mplane.Cli.Tests;

/// <summary><c>mplane pki init</c> as a process: the files a site's components name in their <c>[TLS]</c> sections.</summary>
public sealed class PkiCliTests : IDisposable
{
    private static readonly string[] Stems = ["repository", "repository-proxy", "tstat-proxy", "Probe-1", "Client-1", "Supervisor-1"];

    private readonly TemporaryDirectory _directory = new("pkicli");

    [Fact]
    public async Task Init_issues_certificates_that_chain_to_the_ca_and_carry_mplane_identities()
    {
        var folder = _directory.Combine("pki");
        var result = await MplaneProcess.RunAsync("pki", "init", "--out", folder, "--site", "Demo");
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("org.mplane.Demo.Probes.Probe-1", result.StandardOutput, StringComparison.Ordinal);

        using var caCertificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(folder, "ca.crt"));
        Assert.Equal("org.mplane.Demo.CA.Demo-CA", MplaneIdentity.Of(caCertificate));
        Assert.True(caCertificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        var ca = new PrivateCa(CertificateFiles.LoadBundle(Path.Combine(folder, "ca.crt")));

        var expected = new Dictionary<string, (string Identity, bool Server, bool Client)>
        {
            ["repository"] = ("org.mplane.Demo.Repositories.Math-Repo-1", true, false),
            ["repository-proxy"] = ("org.mplane.Demo.Repositories.Repository-1", true, true),
            ["tstat-proxy"] = ("org.mplane.Demo.Components.Tstat-Proxy-1", true, true),
            ["Probe-1"] = ("org.mplane.Demo.Probes.Probe-1", false, true),
            ["Client-1"] = ("org.mplane.Demo.Clients.Client-1", false, true),
            ["Supervisor-1"] = ("org.mplane.Demo.Supervisors.Supervisor-1", true, true),
        };
        foreach (var (stem, (identity, server, client)) in expected)
        {
            // Loads as every component loads its [TLS] files: the PEM certificate with its unencrypted key.
            using var certificate = CertificateFiles.LoadWithKey(Path.Combine(folder, stem + ".crt"), Path.Combine(folder, stem + ".key"));
            Assert.True(certificate.HasPrivateKey, stem);
            Assert.Equal(identity, MplaneIdentity.Of(certificate));
            Assert.True(ca.Trusts(certificate), $"{stem} does not chain to ca.crt");
            Assert.Equal(caCertificate.Subject, certificate.Issuer);

            var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value).ToList();
            Assert.Equal(server, usages.Contains("1.3.6.1.5.5.7.3.1"));
            Assert.Equal(client, usages.Contains("1.3.6.1.5.5.7.3.2"));
            var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SingleOrDefault();
            if (server)
            {
                Assert.NotNull(san);
                Assert.Contains(IPAddress.Loopback, san.EnumerateIPAddresses());
                Assert.Contains("localhost", san.EnumerateDnsNames());
                Assert.True(certificate.MatchesHostname("127.0.0.1"), stem);
            }
            else
            {
                Assert.Null(san);
            }

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, stem + ".key")));
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, "ca.key")));
        Assert.Equal(
            Stems.SelectMany(s => new[] { s + ".crt", s + ".key" }).Concat(["ca.crt", "ca.key"]).Order(StringComparer.Ordinal),
            Directory.EnumerateFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_second_init_refuses_to_overwrite_and_force_issues_a_new_ca()
    {
        var folder = _directory.Combine("pki");
        Assert.Equal(0, (await MplaneProcess.RunAsync("pki", "init", "--out", folder)).ExitCode);
        var before = Directory.EnumerateFiles(folder).ToDictionary(f => f, File.ReadAllBytes);

        var again = await MplaneProcess.RunAsync("pki", "init", "--out", folder);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("ca.crt", again.StandardError, StringComparison.Ordinal);
        Assert.Contains("nothing was written", again.StandardError, StringComparison.Ordinal);
        Assert.All(before, file => Assert.Equal(file.Value, File.ReadAllBytes(file.Key)));

        // One file is enough to refuse: nothing of a half-existing folder is replaced either.
        File.Delete(Path.Combine(folder, "Client-1.crt"));
        Assert.Equal(2, (await MplaneProcess.RunAsync("pki", "init", "--out", folder)).ExitCode);
        Assert.False(File.Exists(Path.Combine(folder, "Client-1.crt")));
        Assert.Equal(before[Path.Combine(folder, "ca.crt")], File.ReadAllBytes(Path.Combine(folder, "ca.crt")));

        var forced = await MplaneProcess.RunAsync("pki", "init", "--out", folder, "--force");
        Assert.True(forced.ExitCode == 0, forced.StandardError);
        Assert.NotEqual(before[Path.Combine(folder, "ca.crt")], File.ReadAllBytes(Path.Combine(folder, "ca.crt")));
        var ca = new PrivateCa(CertificateFiles.LoadBundle(Path.Combine(folder, "ca.crt")));
        using var client = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(folder, "Client-1.crt"));
        Assert.True(ca.Trusts(client));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, "Client-1.key")));
        Assert.Empty(Directory.EnumerateFiles(folder, "*.tmp"));
    }

    [Fact]
    public async Task A_site_that_cannot_be_part_of_an_identity_is_refused()
    {
        var result = await MplaneProcess.RunAsync("pki", "init", "--out", _directory.Combine("pki"), "--site", "S.S.B");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--site", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_directory.Combine("pki")));
    }

    public void Dispose() => _directory.Dispose();
}
