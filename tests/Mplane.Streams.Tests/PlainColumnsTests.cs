using Mplane.Streams.Engine;
using Xunit;

namespace Mplane.Streams.Tests;

/// <summary>The API's column lists: names and types only.</summary>
public sealed class PlainColumnsTests
{
    [Theory]
    [InlineData("val INT")]
    [InlineData("a double precision, b varchar(20) NOT NULL, c int[] primary key")]
    [InlineData("t timestamp with time zone, n numeric(10, 2) null, u text unique")]
    public void Names_and_types_are_plain(string columns) => Assert.True(PlainColumns.Are(columns));

    [Theory]
    [InlineData("v int DEFAULT pg_backend_pid()")]
    [InlineData("v int CHECK (v > 0)")]
    [InlineData("v int GENERATED ALWAYS AS (v * 2) STORED")]
    [InlineData("v int -- comment")]
    [InlineData("v int, w int REFERENCES other(id)")]
    [InlineData("v")]
    public void Expressions_and_anything_else_are_not(string columns) => Assert.False(PlainColumns.Are(columns));

    [Fact]
    public void A_contrived_list_times_out_as_not_plain_rather_than_hanging() =>
        Assert.False(PlainColumns.Are("v int" + string.Concat(Enumerable.Repeat(" a", 2000)) + " DEFAULT 1"));
}
