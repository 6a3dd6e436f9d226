using System.Globalization;
using Mplane.Analysis;
using Mplane.Components.Runtime;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Temporal;
using Mplane.Protocol.Values;
using Npgsql;

namespace Mplane.RepositoryProxy;

/// <summary>
/// <c>repository-anomalies</c>: the alarms raised by anomaly detection whose bins lie in the
/// specification's scope, oldest first: the bin, the feature, the detector, score and threshold, the
/// keys that changed most, and whether an operator acknowledged it. More than <paramref name="maxRows"/>
/// alarms are refused with a message rather than cut.
/// </summary>
public sealed class AnomaliesService(NpgsqlDataSource dataSource, int maxRows, IReadOnlyDictionary<string, string> metadata) : IService
{
    /// <summary>The capability's label.</summary>
    public const string Label = "repository-anomalies";

    /// <summary>The result columns, in order.</summary>
    public static readonly IReadOnlyList<string> Columns =
        ["start", "anomaly.feature", "anomaly.detector", "anomaly.score", "anomaly.threshold", "anomaly.contributors", "anomaly.state"];

    /// <inheritdoc />
    public Statement Capability { get; } = RepositoryCapabilities.Build(Label, "past ... future", new Dictionary<string, string>(), Columns, metadata);

    /// <inheritdoc />
    public async Task<Statement> RunAsync(Statement specification, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var (start, end) = When.Parse(specification.When).Evaluate(now);
        if (start is not null && end == start)
        {
            throw new ServiceException($"the scope '{specification.When}' is a single instant; give a range (past ... now, start ... end)");
        }

        var store = new AlarmStore(dataSource);
        await store.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var alarms = await store.ReadAsync(start ?? DateTimeOffset.UnixEpoch, end ?? DateTimeOffset.MaxValue, all: false, cancellationToken, limit: maxRows + 1).ConfigureAwait(false);
        if (alarms.Count > maxRows)
        {
            throw new ServiceException(string.Create(CultureInfo.InvariantCulture, $"more than {maxRows} alarms in '{specification.When}': narrow the scope"));
        }

        return specification with
        {
            Kind = MessageKind.Result,
            When = $"{ValueCodec.FormatTime(start ?? alarms.FirstOrDefault()?.Record.BinStart ?? now)} ... {ValueCodec.FormatTime(end ?? now)}",
            Link = null,
            Results = Columns,
            ResultValues = [.. alarms.Select(Row)],
        };
    }

    private static IReadOnlyList<string> Row(StoredAlarm alarm) =>
    [
        ValueCodec.FormatTime(alarm.Record.BinStart),
        alarm.Record.Feature,
        alarm.Record.Detector,
        ValueCodec.FormatReal(alarm.Record.Score),
        ValueCodec.FormatReal(alarm.Record.Threshold),
        string.Join(",", alarm.Record.TopContributors.Select(c => c.Key)),
        alarm.AlarmState,
    ];
}
