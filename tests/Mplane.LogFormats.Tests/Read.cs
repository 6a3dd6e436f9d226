using System.Text;
using Mplane.LogFormats.Reading;
using Mplane.Testing;

namespace Mplane.LogFormats.Tests;

/// <summary>Reads whole inputs into lists, for assertions.</summary>
internal static class Read
{
    public sealed record Result(List<Dictionary<string, string?>> Records, List<ReadProblem> Problems, ReadStatistics Statistics, RecordFormat? Format);

    public static Task<Result> TextAsync(string text, RecordReaderOptions? options = null) =>
        StreamAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), "input.log", options);

    public static async Task<Result> FileAsync(string path, RecordReaderOptions? options = null)
    {
        var (stream, _) = await InputTransforms.OpenFileAsync(path, TestTimeout.Token);
        return await StreamAsync(stream, path, options);
    }

    public static async Task<Result> StreamAsync(Stream stream, string source, RecordReaderOptions? options = null)
    {
        var problems = new List<ReadProblem>();
        options = (options ?? new RecordReaderOptions()) with { OnProblem = problems.Add };
        await using var reader = new RecordReader(stream, source, options);
        var records = new List<Dictionary<string, string?>>();
        while (await reader.ReadAsync(TestTimeout.Token))
        {
            var r = reader.Current;
            records.Add(r.Format.Fields.Select((f, i) => (f.Name, Value: r.GetDisplayString(i))).ToDictionary(x => x.Name, x => x.Value));
        }

        return new Result(records, problems, reader.Statistics, reader.Format);
    }
}
