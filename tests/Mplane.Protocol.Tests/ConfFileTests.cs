using Mplane.Security;

namespace Mplane.Protocol.Tests;

public sealed class ConfFileTests
{
    /// <summary>The shape of the reference's tstatrepository.conf (mplane-protocol.md §8.2).</summary>
    private const string RepositoryConf = """
        [TLS]
        cert = PKI/ca/certs/Repository-Polito.crt
        key = PKI/ca/certs/Repository-Polito-plaintext.key
        ca-chain = PKI/ca/root-ca.crt

        [Roles]
        org.mplane.SSB.Clients.Client-1 = guest
        org.mplane.SSB.Supervisors.Supervisor-1 = admin
        # a comment line
        ; another
        Dummy.Distinguished.Name = admin

        [Authorizations]
        repository-collect_rrd = guest,admin
        repository-collect_streaming = guest,admin
        repository-collect_log = guest,admin

        [module_repository-importer]
        module = mplane.components.tstat.tstatrepository
        repository_ip = 127.0.0.1
        repository_log_port: 3000
        note = 100%% sure # not a comment

        [component]
        workflow = component-initiated
        registration_path = register/capability
        listen-cap-link = https://127.0.0.1:8890/
        """;

    [Fact]
    public void The_reference_s_conf_reads_with_its_sections_keys_and_values()
    {
        var conf = ConfFile.Parse(RepositoryConf, "tstatrepository.conf");
        Assert.Equal(["TLS", "Roles", "Authorizations", "module_repository-importer", "component"], conf.Sections);
        Assert.Equal("PKI/ca/root-ca.crt", conf.Get("TLS", "ca-chain"));
        Assert.Equal("3000", conf.Get("module_repository-importer", "repository_log_port")); // ':' separates too
        Assert.Equal("100% sure # not a comment", conf.Get("module_repository-importer", "note"));
        Assert.Equal("https://127.0.0.1:8890/", conf.Get("component", "listen-cap-link"));
        Assert.Null(conf.Get("component", "Workflow")); // keys are case-sensitive

        var policy = conf.AccessPolicy();
        Assert.True(policy.IsAllowed("org.mplane.SSB.Clients.Client-1", "repository-collect_log"));
        Assert.False(policy.IsAllowed("org.mplane.SSB.Clients.Client-2", "repository-collect_log"));
    }

    [Theory]
    [InlineData("key = value", "x.conf:1: a key before any [section]")]
    [InlineData("[a]\nk = 1\nk = 2", "x.conf:3: key 'k' appears twice in its section")]
    [InlineData("[a]\n[a]", "x.conf:2: section [a] appears twice")]
    [InlineData("[a]\njust words", "x.conf:2: expected 'key = value' or 'key: value'")]
    [InlineData("[a]\nk = 50%", "x.conf:2: '%' must be written '%%'")]
    [InlineData("[a\nk = 1", "x.conf:1: a section header is [name]")]
    public void Syntax_errors_name_the_file_and_line(string text, string message) =>
        Assert.StartsWith(message, Assert.Throws<FormatException>(() => ConfFile.Parse(text, "x.conf")).Message, StringComparison.Ordinal);

    [Fact]
    public void Indented_lines_continue_a_value() =>
        Assert.Equal("one\ntwo", ConfFile.Parse("[a]\nk = one\n  two\n", "x").Get("a", "k"));
}
