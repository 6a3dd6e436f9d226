using System.CommandLine;
using System.Globalization;
using Mplane.Security;

namespace Mplane.Cli.Commands;

/// <summary>
/// <c>mplane pki init --out DIR [--site SSB] [--force]</c>: a private mPlane-style PKI for a site (a
/// demo, a test bed): the CA and the certificates of math_repo, the repository's and the Tstat
/// proxy's mPlane components, a probe, a client and a supervisor, as PEM files (<see cref="PkiIssuer"/>).
/// </summary>
internal static class PkiCommand
{
    public static Command Create()
    {
        var pki = new Command("pki", "A private mPlane PKI: a CA and certificates with mPlane identities (org.mplane.SITE.UNIT.NAME).");
        pki.Subcommands.Add(Init());
        return pki;
    }

    private static Command Init()
    {
        var output = new Option<string>("--out") { Description = "Folder to write the PEM files into (created if needed).", Required = true, HelpName = "DIR" };
        var site = new Option<string>("--site") { Description = "The site: the subjects' O=, the third part of every identity.", DefaultValueFactory = _ => PkiIssuer.DefaultSite };
        var force = new Option<bool>("--force") { Description = "Replace files that exist (a new CA: certificates issued before no longer chain to it)." };
        var command = new Command(
            "init",
            "Write a CA (ca.crt, ca.key) and the certificates " + string.Join(", ", PkiIssuer.SiteMembers.Select(m => m.File)) +
            " (NAME.crt, NAME.key; keys unencrypted, mode 0600). Refuses to overwrite any file without --force.")
        {
            output, site, force,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(() =>
        {
            var folder = Path.GetFullPath(parse.GetValue(output)!);
            var name = parse.GetValue(site)!;
            if (PkiIssuer.NameProblem(name) is { } problem)
            {
                throw new UsageException($"pki init: --site: {problem}");
            }

            IReadOnlyList<IssuedCertificate> written;
            try
            {
                written = PkiIssuer.Init(folder, name, parse.GetValue(force));
            }
            catch (PkiFilesExistException e)
            {
                throw new UsageException($"pki init: {e.Message}");
            }

            var widths = (File: written.Max(w => Path.GetFileName(w.Path).Length), Identity: written.Max(w => w.Identity.Length), Use: written.Max(w => w.Use.Length));
            foreach (var certificate in written)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Path.GetFileName(certificate.Path).PadRight(widths.File)}  {certificate.Identity.PadRight(widths.Identity)}  {certificate.Use.PadRight(widths.Use)}  until {certificate.NotAfter:yyyy-MM-dd}"));
            }

            Console.WriteLine($"wrote {written.Count} certificates with their keys (mode 0600) into {folder}");
            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }
}
