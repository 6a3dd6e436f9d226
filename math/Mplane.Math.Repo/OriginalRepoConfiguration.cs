using System.Xml;
using System.Xml.Linq;
using Mplane.Configuration;

namespace Mplane.Math.Repo;

/// <summary>
/// The original math_repo's XML configuration: <c>&lt;config ip port&gt;&lt;import fileTimeConvMethod
/// pollInterval&gt;&lt;fileHandler type outDir&gt;</c>. <c>copy</c> stays <c>copy</c>; <c>dbs</c> becomes the
/// warehouse handler (its database settings are ignored: the warehouse's database is used). The
/// original has no TLS, so plain HTTP must still be switched on explicitly.
/// </summary>
public static class OriginalRepoConfiguration
{
    /// <summary>Reads the XML file into a configuration.</summary>
    public static RepoConfiguration Read(string path)
    {
        XElement root;
        try
        {
            root = XDocument.Load(path, LoadOptions.SetLineInfo).Root ?? throw new ConfigurationException(path, null, "empty XML document");
        }
        catch (XmlException e)
        {
            throw new ConfigurationException(path, null, e.Message, e.LineNumber, e);
        }

        var import = root.Element("import");
        var handler = import?.Element("fileHandler");
        var method = (string?)import?.Attribute("fileTimeConvMethod") ?? "tstat";
        if (method != "tstat")
        {
            throw new ConfigurationException(path, "import.fileTimeConvMethod", $"'{method}' is not a file-time method (only tstat exists)");
        }

        var type = (string?)handler?.Attribute("type") ?? "copy";
        return new RepoConfiguration
        {
            Listen = $"{Ip((string?)root.Attribute("ip") ?? "localhost")}:{(string?)root.Attribute("port") ?? "3000"}",
            PollInterval = ((string?)import?.Attribute("pollInterval") ?? "5") + "s",
            Handler = type switch
            {
                "copy" => "copy",
                "dbs" => "warehouse",
                _ => throw new ConfigurationException(path, "import.fileHandler.type", $"'{type}' is not a handler (copy or dbs)"),
            },
            Spool = (string?)handler?.Attribute("outDir") ?? "target",
        };
    }

    private static string Ip(string host) => host == "localhost" ? "127.0.0.1" : host;
}
