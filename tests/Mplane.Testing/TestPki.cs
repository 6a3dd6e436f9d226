using System.Security.Cryptography.X509Certificates;
using Mplane.Security;

namespace Mplane.Testing;

/// <summary>
/// A private mPlane-style PKI generated for a test (the product's <see cref="PkiIssuer"/>): a CA, server
/// certificates for 127.0.0.1 and localhost, and client certificates with mPlane's DN shape
/// (DC=org, DC=mplane, O=SSB, OU=..., CN=...), written as PEM files like a site's <c>[TLS]</c> section
/// names them, in a temporary folder removed on dispose.
/// </summary>
public sealed class TestPki : IDisposable
{
    private readonly TemporaryDirectory _directory = new("pki");
    private readonly PkiIssuer _issuer;

    public TestPki(string name = "Test-CA")
    {
        _issuer = PkiIssuer.CreateCa(PkiIssuer.DefaultSite, name, TimeSpan.FromDays(365));
        CaFile = _directory.Combine("ca.crt");
        PkiIssuer.Write(_issuer.Ca, CaFile, keyPath: null);
    }

    /// <summary>The CA's certificate (with its private key).</summary>
    public X509Certificate2 Ca => _issuer.Ca;

    public string CaFile { get; }

    /// <summary>A server certificate (OU=Repositories) for 127.0.0.1 and localhost: (cert file, key file).</summary>
    public (string Cert, string Key) Server(string name = "Repository-1") => Issue("Repositories", name, CertificateUse.Server);

    /// <summary>A client certificate whose mPlane identity is <c>org.mplane.SSB.{unit}.{name}</c>.</summary>
    public (string Cert, string Key) Client(string unit, string name) => Issue(unit, name, CertificateUse.Client);

    public void Dispose()
    {
        _issuer.Dispose();
        _directory.Dispose();
    }

    /// <summary>Files named after the identity: <c>org.mplane.SSB.{unit}.{name}.crt</c> and <c>.key</c>.</summary>
    private (string Cert, string Key) Issue(string unit, string name, CertificateUse use)
    {
        using var certificate = _issuer.Issue(unit, name, use, TimeSpan.FromDays(182));
        var stem = _directory.Combine(MplaneIdentity.Of(certificate));
        PkiIssuer.Write(certificate, stem + ".crt", stem + ".key", overwrite: true);
        return (stem + ".crt", stem + ".key");
    }
}
