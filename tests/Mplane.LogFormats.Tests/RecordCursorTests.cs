using System.Text;
using Mplane.LogFormats.Reading;
using Mplane.Testing;

namespace Mplane.LogFormats.Tests;

public sealed class RecordCursorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Fields_are_located_exactly_as_a_split_on_single_separators_would(int seed)
    {
        // Lines of 1 to 40 fields, values of 0 to 70 bytes, many empty: fields straddle every vector boundary.
        var random = new Random(seed);
        const int Fields = 40;
        var header = "#" + string.Join(' ', Enumerable.Range(1, Fields).Select(i => $"f{i}:{i}"));
        var lines = Enumerable.Range(0, 300).Select(_ => string.Join(' ', Enumerable.Range(0, Fields).Select(_ =>
            random.Next(4) == 0 ? string.Empty : new string((char)('a' + random.Next(26)), random.Next(71))))).ToList();

        await using var reader = new RecordReader(new MemoryStream(Encoding.UTF8.GetBytes(header + "\n" + string.Join('\n', lines))), "random", new RecordReaderOptions { BufferSize = 777 });
        var n = 0;
        while (await reader.ReadAsync(TestTimeout.Token))
        {
            var expected = lines[n++].Split(' ');
            var record = reader.Current;

            // Ask in a scattered order, so that location resumes from every point.
            foreach (var i in Enumerable.Range(0, Fields).OrderBy(_ => random.Next()))
            {
                Assert.Equal(expected[i], Encoding.UTF8.GetString(record.Field(i)));
            }
        }

        Assert.Equal(lines.Count, n);
    }
}
