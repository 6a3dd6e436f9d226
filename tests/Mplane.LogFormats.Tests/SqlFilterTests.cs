using System.Net;
using Mplane.LogFormats.Query;
using Xunit;

namespace Mplane.LogFormats.Tests;

/// <summary>The filter language translated to SQL: columns from the caller's list only, every literal a parameter.</summary>
public sealed class SqlFilterTests
{
    private static readonly Dictionary<string, SqlColumnKind> Columns = new()
    {
        ["s_port"] = SqlColumnKind.Number, ["c_ip"] = SqlColumnKind.Address, ["host"] = SqlColumnKind.Text,
        ["first"] = SqlColumnKind.Time, ["ok"] = SqlColumnKind.Boolean,
    };

    private static SqlCondition Translate(string expression, int first = 1) => SqlFilter.Translate(expression, Columns, name => $"\"{name}\"", first);

    [Fact]
    public void Comparisons_become_parameters_and_a_null_column_makes_them_false_and_their_negation_true()
    {
        var condition = Translate("!(s_port >= 443) && 80 < s_port", first: 4);
        Assert.Equal("((NOT COALESCE(\"s_port\" >= $4, false)) AND COALESCE(\"s_port\" > $5, false))", condition.Sql);
        Assert.Equal([443m, 80m], condition.Values);
    }

    [Fact]
    public void Sets_prefixes_globs_regexes_and_nulls_translate_to_their_sql_forms()
    {
        var set = Translate("c_ip in {10.0.0.0/8, 192.168.1.1}");
        Assert.Equal("COALESCE((\"c_ip\" <<= $1 OR \"c_ip\" = $2), false)", set.Sql);
        Assert.Equal(new SqlAddressPrefix(IPAddress.Parse("10.0.0.0"), 8), set.Values[0]);
        Assert.Equal(IPAddress.Parse("192.168.1.1"), set.Values[1]);

        var glob = Translate("host ~ \"*.google_x%\"");
        Assert.Equal("COALESCE(\"host\" LIKE $1, false)", glob.Sql);
        Assert.Equal("%.google\\_x\\%", glob.Values[0]);
        Assert.Equal("COALESCE(NOT (host(\"c_ip\") LIKE $1), false)", Translate("c_ip !~ \"10.*\"").Sql);
        Assert.Equal("COALESCE(\"host\" ~ $1, false)", Translate("host =~ \"^a.b$\"").Sql);
        Assert.Equal("(\"host\" IS NULL)", Translate("host == null").Sql);
        Assert.Equal("COALESCE(\"ok\", false)", Translate("ok").Sql);
        Assert.Equal(new DateTimeOffset(2015, 2, 27, 22, 30, 0, TimeSpan.Zero), Translate("first >= \"2015-02-27T22:30:00\"").Values[0]);
    }

    [Fact]
    public void Unknown_columns_and_values_of_the_wrong_kind_are_errors_pointing_at_them()
    {
        var unknown = Assert.Throws<FilterException>(() => Translate("s_port == 1 || \"x\"; == 2"));
        Assert.Equal(18, unknown.Position); // the ';'
        var column = Assert.Throws<FilterException>(() => Translate("pg_sleep > 1"));
        Assert.StartsWith("unknown column 'pg_sleep' (columns: c_ip, first, host, ok, s_port)", column.Problem, StringComparison.Ordinal);
        var value = Assert.Throws<FilterException>(() => Translate("c_ip == \"not an address\""));
        Assert.Equal("'not an address' is not a value for column 'c_ip' (address)", value.Problem);
        Assert.Throws<FilterException>(() => Translate("c_ip in 10.0.0.0/99"));
        Assert.Equal("'c_ip' (address) and 'host' (text) cannot be compared", Assert.Throws<FilterException>(() => Translate("c_ip == host")).Problem);
        Assert.Equal("nested deeper than 64 levels", Assert.Throws<FilterException>(() => Translate(new string('!', 100) + "ok")).Problem);
        Assert.Contains("longer than 4096", Assert.Throws<FilterException>(() => Translate(new string('(', 100_000))).Problem, StringComparison.Ordinal);
    }
}
