using System.Net;
using Mplane.Protocol.Constraints;
using Mplane.Protocol.Values;

namespace Mplane.Protocol.Tests;

public sealed class ValuesTests
{
    [Fact]
    public void Values_are_written_as_the_reference_writes_them()
    {
        Assert.Equal("True", ValueCodec.Format(Prim.Boolean, true));
        Assert.Equal("False", ValueCodec.Format(Prim.Boolean, false));
        Assert.Equal("80", ValueCodec.Format(Prim.Natural, 80L));
        Assert.Equal("0.0", ValueCodec.Format(Prim.Real, 0.0));
        Assert.Equal("3.141592653589793", ValueCodec.Format(Prim.Real, Math.PI));
        Assert.Equal("2015-10-22 10:00:00.000000", ValueCodec.Format(Prim.Time, new DateTimeOffset(2015, 10, 22, 12, 0, 0, TimeSpan.FromHours(2))));
        Assert.Equal("::1", ValueCodec.Format(Prim.Address, IPAddress.IPv6Loopback));
        Assert.Equal("*", ValueCodec.Format(Prim.String, null));
    }

    [Theory]
    [InlineData(Prim.Boolean, "True", true)]
    [InlineData(Prim.Boolean, "0", false)]
    [InlineData(Prim.Natural, "1e3", 1000L)]
    [InlineData(Prim.Natural, "80", 80L)]
    [InlineData(Prim.String, "*", null)]
    public void Values_are_read_tolerantly(Prim prim, string text, object? expected) => Assert.Equal(expected, ValueCodec.Parse(prim, text));

    [Theory]
    [InlineData(Prim.Natural, "12.7")]
    [InlineData(Prim.Natural, "-3")]
    [InlineData(Prim.Boolean, "yes")]
    [InlineData(Prim.Address, "10.0.0.0/24")]
    [InlineData(Prim.Time, "yesterday")]
    [InlineData(Prim.Time, "2015-10-22 25:00:00")]
    public void Anything_else_is_an_error_that_names_the_value(Prim prim, string text) =>
        Assert.Equal($"'{text}' is not a value of prim {prim.Name()}", Assert.Throws<FormatException>(() => ValueCodec.Parse(prim, text)).Message);

    [Fact]
    public void Constraints_are_ranges_sets_or_anything()
    {
        var range = Constraint.Parse(Prim.Natural, "100 ... 10");
        Assert.True(range.Accepts(10L));
        Assert.True(range.Accepts(100L));
        Assert.False(range.Accepts(101L));

        var set = Constraint.Parse(Prim.Address, "10.0.0.1,10.0.0.2");
        Assert.True(set.Accepts(IPAddress.Parse("10.0.0.2")));
        Assert.False(set.Accepts(IPAddress.Parse("10.0.0.3")));
        Assert.Throws<FormatException>(() => Constraint.Parse(Prim.Address, "10.0.0.1, 10.0.0.2")); // not trimmed, as the reference

        Assert.Equal("127.0.0.1:3000", Constraint.Parse(Prim.Url, "127.0.0.1:3000").SingleValue);
        Assert.True(Constraint.Parse(Prim.Url, "*").Accepts("anything"));
        Assert.Throws<FormatException>(() => Constraint.Parse(Prim.Natural, "0..32"));
    }
}

/// <summary>Reals written exactly as Python's repr writes them (the reference sends str(float)).</summary>
public sealed class PythonRealTests
{
    [Theory]
    [InlineData(0.0, "0.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(1.0, "1.0")]
    [InlineData(100.0, "100.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(1.5, "1.5")]
    [InlineData(-2.25, "-2.25")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(1234567890123456.0, "1234567890123456.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1.5e16, "1.5e+16")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00012, "0.00012")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(1.2345e-7, "1.2345e-07")]
    [InlineData(1e300, "1e+300")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(123.456, "123.456")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(double.NegativeInfinity, "-inf")]
    [InlineData(double.NaN, "nan")]
    public void Reals_are_written_as_python_writes_them_and_read_back_the_same(double value, string python)
    {
        Assert.Equal(python, Mplane.Protocol.Values.ValueCodec.FormatReal(value));
        Assert.Equal(value, (double)Mplane.Protocol.Values.ValueCodec.Parse(Mplane.Protocol.Values.Prim.Real, python)!);
    }
}
