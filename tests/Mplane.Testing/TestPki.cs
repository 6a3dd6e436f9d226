using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mplane.Testing;

/// <summary>
/// A private mPlane-style PKI generated for a test: a CA, the repository's server certificate for
/// 127.0.0.1, and client certificates with mPlane's DN shape (DC=org, DC=mplane, O=SSB, OU=..., CN=...),
/// written as PEM files like a site's <c>[TLS]</c> section names them.
/// </summary>
public sealed class TestPki : IDisposable
{
    private readonly TemporaryDirectory _directory = new("pki");
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestPki(string name = "Test-CA")
    {
        var request = new CertificateRequest(Dn("CA", name), _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        CaFile = _directory.Combine("ca.crt");
        File.WriteAllText(CaFile, Ca.ExportCertificatePem());
    }

    public X509Certificate2 Ca { get; }

    public string CaFile { get; }

    /// <summary>The repository's certificate for 127.0.0.1 and localhost: (cert file, key file).</summary>
    public (string Cert, string Key) Server(string name = "Repository-1") => Issue(Dn("Repositories", name), server: true);

    /// <summary>A client certificate whose mPlane identity is <c>org.mplane.SSB.{unit}.{name}</c>.</summary>
    public (string Cert, string Key) Client(string unit, string name) => Issue(Dn(unit, name), server: false);

    public void Dispose()
    {
        _caKey.Dispose();
        Ca.Dispose();
        _directory.Dispose();
    }

    /// <summary>The DN as OpenSSL and mPlane's PKI write it: DC=org first in the encoding (the string form lists it last).</summary>
    private static X500DistinguishedName Dn(string unit, string name) => new($"CN={name}, OU={unit}, O=SSB, DC=mplane, DC=org");

    private (string Cert, string Key) Issue(X500DistinguishedName subject, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(Ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddMonths(6), serial);
        var stem = _directory.Combine(string.Join('.', subject.EnumerateRelativeDistinguishedNames(reversed: false).Select(r => r.GetSingleElementValue())));
        File.WriteAllText(stem + ".crt", certificate.ExportCertificatePem());
        File.WriteAllText(stem + ".key", key.ExportPkcs8PrivateKeyPem());
        return (stem + ".crt", stem + ".key");
    }
}
