using Mplane.Configuration;
using Mplane.Security;

namespace Mplane.Math.Transfer.Configuration;

/// <summary>mPlane's <c>[TLS]</c>: this side's certificate and unencrypted key, and the CA bundle peers must chain to (PEM files).</summary>
public sealed class TlsSection
{
    /// <summary>This side's certificate.</summary>
    public string? Cert { get; set; }

    /// <summary>Its private key.</summary>
    public string? Key { get; set; }

    /// <summary>The CA bundle.</summary>
    public string? CaChain { get; set; }

    /// <summary>
    /// Loads the files (relative paths from <paramref name="baseDirectory"/>); errors name the file and key.
    /// Without <paramref name="requireCertificate"/> a section with only <c>ca_chain</c> is enough (a
    /// probe authenticating with a token still checks the repository's certificate).
    /// </summary>
    public TlsMaterial Load(string source, string baseDirectory, bool requireCertificate = true)
    {
        string Required(string? value, string key) =>
            string.IsNullOrWhiteSpace(value)
                ? throw new ConfigurationException(source, $"tls.{key}", "missing (tls needs cert, key and ca_chain)")
                : Path.GetFullPath(value, baseDirectory);

        var ca = Required(CaChain, "ca_chain");
        var withCertificate = requireCertificate || Cert is not null || Key is not null;
        var cert = withCertificate ? Required(Cert, "cert") : null;
        var key = withCertificate ? Required(Key, "key") : null;
        try
        {
            return new TlsMaterial(cert is null ? null : CertificateFiles.LoadWithKey(cert, key!), new PrivateCa(CertificateFiles.LoadBundle(ca)));
        }
        catch (InvalidDataException e)
        {
            throw new ConfigurationException(source, "tls", e.Message, inner: e);
        }
    }
}

/// <summary>Loaded TLS material: this side's certificate with its key (none for a probe using a token), and the CA that peers must chain to.</summary>
public sealed record TlsMaterial(System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate, PrivateCa Ca);
