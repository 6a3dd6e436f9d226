using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mplane.Security;

/// <summary>Loads PEM certificates, keys and CA bundles, with errors that name the file.</summary>
public static class CertificateFiles
{
    /// <summary>A certificate with its private key, from PEM files (the key unencrypted, as mPlane's <c>[TLS]</c> wants).</summary>
    public static X509Certificate2 LoadWithKey(string certificatePath, string keyPath)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            // Kestrel on Linux wants the key in a form SslStream can use: round-trip through PKCS#12.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidDataException($"cannot load the certificate {certificatePath} with the key {keyPath}: {e.Message}", e);
        }
    }

    /// <summary>Every certificate of a PEM bundle (a CA chain).</summary>
    public static X509Certificate2Collection LoadBundle(string path)
    {
        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"cannot load the CA bundle {path}: {e.Message}", e);
        }

        return bundle.Count > 0 ? bundle : throw new InvalidDataException($"the CA bundle {path} holds no certificate");
    }
}
