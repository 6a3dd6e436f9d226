using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mplane.Security;

/// <summary>What a certificate is used for in TLS.</summary>
[Flags]
public enum CertificateUse
{
    /// <summary>A TLS server (extended key usage serverAuth; subject alternative names localhost, 127.0.0.1 and ::1).</summary>
    Server = 1,

    /// <summary>A TLS client presenting its identity (extended key usage clientAuth).</summary>
    Client = 2,

    /// <summary>Both: a component that listens and also calls out (a proxy, a supervisor).</summary>
    ServerAndClient = Server | Client,
}

/// <summary>One certificate of a site's PKI: its file stem in the PKI folder, its unit and name, its use.</summary>
/// <param name="File">The file stem: <c>File.crt</c> and <c>File.key</c>.</param>
/// <param name="Unit">The subject's <c>OU</c>.</param>
/// <param name="Name">The subject's <c>CN</c>.</param>
/// <param name="Use">Server, client or both.</param>
public sealed record PkiMember(string File, string Unit, string Name, CertificateUse Use)
{
    /// <summary>The mPlane identity this member has at <paramref name="site"/> (<c>org.mplane.SSB.Probes.Probe-1</c>).</summary>
    public string Identity(string site) => MplaneIdentity.Of(PkiIssuer.Subject(site, Unit, Name));
}

/// <summary>A file written by <see cref="PkiIssuer.Init"/>: its path, the identity it carries, what it is.</summary>
/// <param name="Path">The certificate file (the key is beside it, <c>.key</c> for <c>.crt</c>).</param>
/// <param name="Identity">The subject's mPlane identity.</param>
/// <param name="Use">"CA", "server", "client" or "server, client".</param>
/// <param name="NotAfter">The end of its validity (UTC).</param>
public sealed record IssuedCertificate(string Path, string Identity, string Use, DateTimeOffset NotAfter);

/// <summary>
/// A private mPlane-style certificate authority: a self-signed CA and certificates whose subjects have
/// mPlane's shape, <c>DC=org, DC=mplane, O=&lt;site&gt;, OU=&lt;unit&gt;, CN=&lt;name&gt;</c> in encoding
/// order, so that <see cref="MplaneIdentity"/> reads them as <c>org.mplane.&lt;site&gt;.&lt;unit&gt;.&lt;name&gt;</c>.
/// Keys are ECDSA P-256; certificates are valid from a day ago (clock skew) and never beyond the CA.
/// Files are PEM, keys unencrypted PKCS#8 (as mPlane's <c>[TLS]</c> sections want them) and mode 0600.
/// <see cref="Init"/> writes a whole site's PKI into a folder (<c>mplane pki init</c>).
/// </summary>
public sealed class PkiIssuer : IDisposable
{
    /// <summary>The site (<c>O=</c>) used when none is given, the reference implementation's.</summary>
    public const string DefaultSite = "SSB";

    /// <summary>The CA's file stem in a PKI folder: <c>ca.crt</c>, <c>ca.key</c>.</summary>
    public const string CaFile = "ca";

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private static readonly TimeSpan Skew = TimeSpan.FromDays(1);

    private PkiIssuer(string site, X509Certificate2 ca)
    {
        Site = site;
        Ca = ca;
    }

    /// <summary>
    /// The certificates a site's repository, its probes and its mPlane peers use:
    /// <c>repository</c> (math_repo's server certificate), <c>repository-proxy</c> (the repository's
    /// mPlane proxy: it listens, and calls math_repo; its identity is the one math_repo authorizes for
    /// collections), <c>tstat-proxy</c> (listens, or calls a supervisor), <c>Probe-1</c> (math_probe),
    /// <c>Client-1</c> (a user's client) and <c>Supervisor-1</c>.
    /// </summary>
    public static IReadOnlyList<PkiMember> SiteMembers { get; } =
    [
        new("repository", "Repositories", "Math-Repo-1", CertificateUse.Server),
        new("repository-proxy", "Repositories", "Repository-1", CertificateUse.ServerAndClient),
        new("tstat-proxy", "Components", "Tstat-Proxy-1", CertificateUse.ServerAndClient),
        new("Probe-1", "Probes", "Probe-1", CertificateUse.Client),
        new("Client-1", "Clients", "Client-1", CertificateUse.Client),
        new("Supervisor-1", "Supervisors", "Supervisor-1", CertificateUse.ServerAndClient),
    ];

    /// <summary>The site: the subjects' <c>O=</c>.</summary>
    public string Site { get; }

    /// <summary>The CA's certificate, with its private key.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>Creates a CA for <paramref name="site"/> (subject <c>OU=CA, CN=<paramref name="name"/></c>), valid for <paramref name="validity"/>.</summary>
    /// <exception cref="ArgumentException">The site or name cannot be part of an mPlane identity.</exception>
    public static PkiIssuer CreateCa(string site = DefaultSite, string? name = null, TimeSpan? validity = null)
    {
        CheckName(site, nameof(site));
        name ??= site + "-CA";
        CheckName(name, nameof(name));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(site, "CA", name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new PkiIssuer(site, request.CreateSelfSigned(now - Skew, now + (validity ?? TimeSpan.FromDays(3650))));
    }

    /// <summary>
    /// The subject <c>DC=org, DC=mplane, O=<paramref name="site"/>, OU=<paramref name="unit"/>, CN=<paramref name="name"/></c>
    /// in encoding order (.NET's string form lists it reversed, as OpenSSL's RFC 2253 output does).
    /// </summary>
    public static X500DistinguishedName Subject(string site, string unit, string name)
    {
        // The builder encodes the RDNs in the reverse of the order they are added (its string form is the added order).
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(name);
        builder.AddOrganizationalUnitName(unit);
        builder.AddOrganizationName(site);
        builder.AddDomainComponent("mplane");
        builder.AddDomainComponent("org");
        return builder.Build();
    }

    /// <summary>
    /// A certificate for <c>org.mplane.{site}.{unit}.{name}</c>, signed by the CA, with its private key;
    /// valid for <paramref name="validity"/> (two years by default), never beyond the CA.
    /// </summary>
    /// <exception cref="ArgumentException">The unit or name cannot be part of an mPlane identity.</exception>
    public X509Certificate2 Issue(string unit, string name, CertificateUse use, TimeSpan? validity = null)
    {
        CheckName(unit, nameof(unit));
        CheckName(name, nameof(name));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(Site, unit, name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var usages = new OidCollection();
        if (use.HasFlag(CertificateUse.Server))
        {
            usages.Add(ServerAuth);
        }

        if (use.HasFlag(CertificateUse.Client))
        {
            usages.Add(ClientAuth);
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        if (use.HasFlag(CertificateUse.Server))
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            san.AddIpAddress(IPAddress.IPv6Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number
        var now = DateTimeOffset.UtcNow;
        var notAfter = now + (validity ?? TimeSpan.FromDays(730));
        if (notAfter > Ca.NotAfter.ToUniversalTime())
        {
            notAfter = Ca.NotAfter.ToUniversalTime();
        }

        using var certificate = request.Create(Ca, now - Skew, notAfter, serial);
        return certificate.CopyWithPrivateKey(key);
    }

    /// <summary>Writes <paramref name="certificate"/> as PEM (mode 0644) and, when given a path, its private key as unencrypted PKCS#8 PEM (mode 0600).</summary>
    /// <exception cref="IOException">A file exists and <paramref name="overwrite"/> is false, or cannot be written.</exception>
    public static void Write(X509Certificate2 certificate, string certificatePath, string? keyPath, bool overwrite = false)
    {
        if (keyPath is not null)
        {
            using var key = certificate.GetECDsaPrivateKey() as AsymmetricAlgorithm ?? certificate.GetRSAPrivateKey()
                ?? throw new ArgumentException($"the certificate {certificate.Subject} has no private key", nameof(certificate));
            WriteFile(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite, overwrite);
        }

        WriteFile(certificatePath, certificate.ExportCertificatePem() + "\n",
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, overwrite);
    }

    /// <summary>
    /// Writes a site's PKI into <paramref name="directory"/> (created if needed): the CA (<c>ca.crt</c>,
    /// <c>ca.key</c>) and each of <see cref="SiteMembers"/> (<c>NAME.crt</c>, <c>NAME.key</c>). Nothing is
    /// written when any of these files exists, unless <paramref name="force"/>.
    /// </summary>
    /// <returns>The certificates written, the CA first.</returns>
    /// <exception cref="PkiFilesExistException">Files exist and <paramref name="force"/> is false; nothing was written.</exception>
    /// <exception cref="ArgumentException">The site cannot be part of an mPlane identity.</exception>
    public static IReadOnlyList<IssuedCertificate> Init(string directory, string site = DefaultSite, bool force = false)
    {
        CheckName(site, nameof(site));
        var stems = SiteMembers.Select(m => m.File).Prepend(CaFile).ToList();
        var files = stems.SelectMany(s => new[] { Path.Combine(directory, s + ".crt"), Path.Combine(directory, s + ".key") }).ToList();
        if (!force && files.Where(File.Exists).ToList() is { Count: > 0 } existing)
        {
            throw new PkiFilesExistException(existing);
        }

        Directory.CreateDirectory(directory);
        using var issuer = CreateCa(site);
        var written = new List<IssuedCertificate>();
        Write(issuer.Ca, Path.Combine(directory, CaFile + ".crt"), Path.Combine(directory, CaFile + ".key"), overwrite: force);
        written.Add(new IssuedCertificate(Path.Combine(directory, CaFile + ".crt"), MplaneIdentity.Of(issuer.Ca), "CA", issuer.Ca.NotAfter.ToUniversalTime()));
        foreach (var member in SiteMembers)
        {
            using var certificate = issuer.Issue(member.Unit, member.Name, member.Use);
            var path = Path.Combine(directory, member.File + ".crt");
            Write(certificate, path, Path.Combine(directory, member.File + ".key"), overwrite: force);
            var use = member.Use switch
            {
                CertificateUse.Server => "server",
                CertificateUse.Client => "client",
                _ => "server, client",
            };
            written.Add(new IssuedCertificate(path, MplaneIdentity.Of(certificate), use, certificate.NotAfter.ToUniversalTime()));
        }

        return written;
    }

    /// <inheritdoc />
    public void Dispose() => Ca.Dispose();

    /// <summary>
    /// What is wrong with <paramref name="value"/> as a site, unit or name, which becomes one part of a
    /// dotted mPlane identity (letters, digits, '-' and '_', 1 to 64), or null when nothing is.
    /// </summary>
    public static string? NameProblem(string value) =>
        value.Length is 0 or > 64 || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? $"'{value}' cannot be part of an mPlane identity: use 1 to 64 letters, digits, '-' or '_'"
            : null;

    private static void CheckName(string value, string parameter)
    {
        if (NameProblem(value) is { } problem)
        {
            throw new ArgumentException(problem, parameter);
        }
    }

    /// <summary>Writes through a temporary file created with <paramref name="mode"/> and renamed over the target: a key is never readable by others, even for a moment.</summary>
    private static void WriteFile(string path, string text, UnixFileMode mode, bool overwrite)
    {
        var full = Path.GetFullPath(path);
        if (!overwrite && File.Exists(full))
        {
            throw new IOException($"{full} exists; not overwritten");
        }

        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(text);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.SetUnixFileMode(temporary, mode); // the umask may have taken bits away from a certificate
            File.Move(temporary, full, overwrite);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}

/// <summary>A PKI folder already holds some of the files to write; nothing was written.</summary>
public sealed class PkiFilesExistException(IReadOnlyList<string> files)
    : IOException($"{string.Join(", ", files)} {(files.Count == 1 ? "exists" : "exist")}; nothing was written (--force replaces them)")
{
    /// <summary>The files that exist.</summary>
    public IReadOnlyList<string> Files { get; } = files;
}
