using Mplane.LogFormats.Methods;
using Mplane.LogFormats.Query;
using Mplane.LogFormats.Reading;
using Mplane.Testing;

namespace Mplane.LogFormats.Tests;

public sealed class FilterTests
{
    // Five flows with the dictionary's names; 'note' is unknown to the dictionary (text).
    private const string Log =
        "#15#c_ip:1 s_ip:2 s_port:3 c_bytes_all:4 durat:5 first:6 c_isint:7 fqdn:8 http_res:9 note:10\n" +
        "10.1.2.3 8.8.8.8 443 1500 12.5 1425072600105.886963 1 www.google.com --- a\n" +
        "10.9.9.9 212.247.12.181 80 70000 0.25 1425072700000.000000 1 www.google.at 200 b\n" +
        "192.168.1.7 2001:db8::5 443 0 1000.0 1425076200000.000000 0  --- -\n" +
        "172.16.3.1 204.79.197.200 8080 - 3.0 1425079800000.500000 0 bing.com 404 c\n" +
        "2001:db8:1::9 2001:db8::5 22 42 7 1425079900000 1 ssh.example.org - d\n";

    [Theory]
    [InlineData("s_port == 443", 0, 2)]
    [InlineData("s_port != 443", 1, 3, 4)]
    [InlineData("s_port < 443", 1, 4)]
    [InlineData("s_port <= 443", 0, 1, 2, 4)]
    [InlineData("s_port > 443", 3)]
    [InlineData("s_port >= 443", 0, 2, 3)]
    [InlineData("443 == s_port", 0, 2)]
    [InlineData("1000 > s_port", 0, 1, 2, 4)]
    [InlineData("s_port == 443 && c_ip in 10.0.0.0/8", 0)]
    [InlineData("s_port == 80 || s_port == 22", 1, 4)]
    [InlineData("!(s_port == 443)", 1, 3, 4)]
    [InlineData("not s_port == 443 and c_isint", 1, 4)]
    [InlineData("(s_port == 443 || s_port == 80) && !c_isint", 2)]
    [InlineData("s_port in {80, 8080}", 1, 3)]
    [InlineData("s_port in (22)", 4)]
    public void Integer_comparisons_and_logic(string expression, params int[] expected) => AssertMatches(expression, expected);

    [Theory]
    [InlineData("c_ip in 10.0.0.0/8", 0, 1)]
    [InlineData("c_ip in 10.1.0.0/16", 0)]
    [InlineData("c_ip in {192.168.0.0/16, 172.16.0.0/12}", 2, 3)]
    [InlineData("c_ip == 10.9.9.9", 1)]
    [InlineData("c_ip != 10.9.9.9", 0, 2, 3, 4)]
    [InlineData("s_ip in 2001:db8::/32", 2, 4)]
    [InlineData("c_ip in 2001:db8::/32", 4)]
    [InlineData("s_ip == 2001:db8::5", 2, 4)]
    [InlineData("c_ip in 0.0.0.0/0", 0, 1, 2, 3)]
    public void Addresses_match_prefixes_of_their_own_family(string expression, params int[] expected) => AssertMatches(expression, expected);

    [Theory]
    [InlineData("durat > 10", 0, 2)]
    [InlineData("durat <= 3", 1, 3)]
    [InlineData("durat == 0.25", 1)]
    [InlineData("c_bytes_all > 1000", 0, 1)]
    [InlineData("c_bytes_all == null", 3)]
    [InlineData("c_bytes_all != null", 0, 1, 2, 4)]
    [InlineData("c_bytes_all > durat", 0, 1, 4)]
    [InlineData("first >= \"2015-02-27T22:30:00Z\"", 2, 3, 4)]
    [InlineData("first < \"2015-02-27T21:31:00Z\"", 0)]
    [InlineData("c_isint", 0, 1, 4)]
    [InlineData("c_isint == true", 0, 1, 4)]
    [InlineData("c_isint == 0", 2, 3)]
    public void Reals_instants_flags_and_nulls(string expression, params int[] expected) => AssertMatches(expression, expected);

    [Theory]
    [InlineData("fqdn == \"bing.com\"", 3)]
    [InlineData("fqdn != \"bing.com\"", 0, 1, 4)]
    [InlineData("fqdn == null", 2)]
    [InlineData("fqdn ~ \"www.google.*\"", 0, 1)]
    [InlineData("fqdn ~ \"*.example.???\"", 4)]
    [InlineData("fqdn !~ \"www.*\"", 3, 4)]
    [InlineData("fqdn =~ \"goo+gle\\\\.(com|at)$\"", 0, 1)]
    [InlineData("fqdn in {\"bing.com\", \"ssh.example.org\"}", 3, 4)]
    [InlineData("fqdn > \"c\"", 0, 1, 4)]
    [InlineData("http_res == 200", 1)]
    [InlineData("http_res == \"---\"", 0, 2)]
    [InlineData("note == \"c\"", 3)]
    [InlineData("note", 0, 1, 3, 4)]
    public void Strings_equality_order_glob_and_regex(string expression, params int[] expected) => AssertMatches(expression, expected);

    [Fact]
    public void A_dictionary_field_the_format_lacks_reads_as_null()
    {
        AssertMatches("s_ssl_SCN == null", 0, 1, 2, 3, 4);
        AssertMatches("s_rtt_avg > 0");
        AssertMatches("C_IP in 10.0.0.0/8", 0, 1); // names are case-insensitive
    }

    [Theory]
    [InlineData("s_prot == 443", "unknown field 's_prot'; did you mean 's_port'?", 0)]
    [InlineData("s_port == 443 && c_iq in 10.0.0.0/8", "unknown field 'c_iq'; did you mean 'c_ip'?", 17)]
    [InlineData("zzzzzz == 1", "unknown field 'zzzzzz'", 0)]
    [InlineData("s_port == ", "the expression ends where a field or value is expected", 10)]
    [InlineData("s_port === 443", "unexpected character '='", 9)]
    [InlineData("(s_port == 443", "expected ')' to close the '(' at column 1", 14)]
    [InlineData("s_port == 443)", "unexpected ')' after a complete expression", 13)]
    [InlineData("s_port == 443 $", "unexpected character '$'", 14)]
    [InlineData("c_ip < 10.0.0.1", "addresses compare only with == and !=", 7)]
    [InlineData("c_ip in 10.0.0.0/40", "'10.0.0.0/40' is not an address or prefix", 8)]
    [InlineData("durat > fast", "unknown field 'fast'", 8)]
    [InlineData("durat > \"fast\"", "durat is duration_ms: expected a number, found 'fast'", 8)]
    [InlineData("fqdn ~ google", "'~' takes a quoted pattern", 7)]
    [InlineData("fqdn =~ \"(\"", "invalid pattern", 5)]
    [InlineData("fqdn == \"open", "unterminated string", 8)]
    [InlineData("1 == 2", "a comparison needs a field on at least one side", 0)]
    [InlineData("", "empty expression", 0)]
    public void Errors_point_at_the_offending_position(string expression, string problem, int position)
    {
        var error = Assert.Throws<FilterException>(() => FilterCompiler.Compile(expression, Format()));
        Assert.StartsWith(problem, error.Problem, StringComparison.Ordinal);
        Assert.Equal(position, error.Position);
        Assert.Contains($"\n  {expression}\n  {new string(' ', position)}^", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mawi_addresses_compare_as_addresses()
    {
        var format = new MawiMethod().CreateFormat("1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\t12\t13"u8, "x", out _);
        var predicate = FilterCompiler.Compile("server_ip in 192.218.0.0/16 && ipv4_protocol == 17", format);
        Assert.True(Matches(predicate, "1238497200\t33946\t41383\t3235574320\t3241470141\t3\t17\t255\t1\t1\t42\t224\t204", format));
        Assert.False(Matches(predicate, "1238497200\t53\t4958\t3413010761\t962913483\t3\t17\t255\t1\t1\t54\t57\t37", format));
        Assert.True(Matches(FilterCompiler.Compile("serial_time >= \"2009-03-31T11:00:00Z\"", format), "1238497200\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1", format));
    }

    private static RecordFormat Format() => new TstatMethod().CreateFormat(System.Text.Encoding.UTF8.GetBytes(Log.Split('\n')[0]), "test", out _);

    private static void AssertMatches(string expression, params int[] expected)
    {
        var predicate = FilterCompiler.Compile(expression, Format());
        var matched = new List<int>();
        using var reader = new RecordReader(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Log)), "test");
        var index = 0;
        while (reader.ReadAsync(TestTimeout.Token).AsTask().GetAwaiter().GetResult())
        {
            if (predicate(reader.Current))
            {
                matched.Add(index);
            }

            index++;
        }

        Assert.Equal(5, index);
        Assert.Equal(expected, matched);
    }

    private static bool Matches(RecordPredicate predicate, string line, RecordFormat format)
    {
        using var reader = new RecordReader(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(line)), "x", new RecordReaderOptions { Method = format.Method });
        Assert.True(reader.ReadAsync(TestTimeout.Token).AsTask().GetAwaiter().GetResult());
        return predicate(reader.Current);
    }
}
