using System.Security.Cryptography.X509Certificates;
using Mplane.Testing;
using Mplane.Security;

namespace Mplane.Math.Tests;

public sealed class SecurityTests
{
    [Fact]
    public void The_identity_is_the_subject_in_encoding_order_not_as_dotnet_renders_it()
    {
        using var pki = new TestPki();
        var (cert, _) = pki.Client("Probes", "Probe-1");
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(cert);
        Assert.Equal("org.mplane.SSB.Probes.Probe-1", MplaneIdentity.Of(certificate));
        Assert.StartsWith("CN=Probe-1", certificate.Subject, StringComparison.Ordinal); // .NET's rendering is reversed
    }

    [Fact]
    public void A_certificate_made_by_openssl_as_mPlane_PKI_makes_them_has_the_reference_identity()
    {
        using var directory = new Mplane.Testing.TemporaryDirectory("openssl");
        var crt = directory.Combine("client.crt");
        var openssl = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(
            "openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", directory.Combine("client.key"),
                "-out", crt, "-days", "1", "-subj", "/DC=org/DC=mplane/O=SSB/OU=Clients/CN=Client-1"]) { RedirectStandardError = true })!;
        openssl.WaitForExit();
        Assert.Equal(0, openssl.ExitCode);
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(crt);
        Assert.Equal("org.mplane.SSB.Clients.Client-1", MplaneIdentity.Of(certificate));
    }

    [Fact]
    public void Authorizations_match_substrings_the_last_applying_key_wins_and_everything_else_is_denied()
    {
        var policy = new AccessPolicy(
            [KeyValuePair.Create("org.mplane.SSB.Clients.Admin", AccessPolicy.SplitRoles("admin")), KeyValuePair.Create("org.mplane.SSB.Clients.Guest", AccessPolicy.SplitRoles("guest"))],
            [KeyValuePair.Create("tstat", AccessPolicy.SplitRoles("admin")), KeyValuePair.Create("tstat-exporter", AccessPolicy.SplitRoles("guest"))]);
        Assert.True(policy.IsAllowed("org.mplane.SSB.Clients.Guest", "tstat-exporter_log"));
        Assert.False(policy.IsAllowed("org.mplane.SSB.Clients.Admin", "tstat-exporter_log"));
        Assert.True(policy.IsAllowed("org.mplane.SSB.Clients.Admin", "tstat-log_rrds"));
        Assert.False(policy.IsAllowed("org.mplane.SSB.Clients.Guest", "tstat-log_rrds"));
        Assert.False(policy.IsAllowed("org.mplane.SSB.Clients.Admin", "callback"));
        Assert.False(policy.IsAllowed("org.mplane.SSB.Clients.Stranger", "tstat-log_rrds"));
    }

    [Fact]
    public void Role_lists_are_split_on_commas_without_trimming_as_the_reference_does()
    {
        Assert.Equal(["guest", " admin"], AccessPolicy.SplitRoles("guest, admin"));
        var policy = new AccessPolicy([KeyValuePair.Create("id", AccessPolicy.SplitRoles("guest, admin"))], [KeyValuePair.Create("x", AccessPolicy.SplitRoles("admin"))]);
        Assert.False(policy.IsAllowed("id", "x"));
    }
}
