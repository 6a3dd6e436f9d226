using Mplane.Analysis;
using Npgsql;

namespace Mplane.Host.Remote;

/// <summary>How many alarms of one detector on one feature are open (not acknowledged).</summary>
public sealed record OpenAlarmCount(string Detector, string Feature, long Count);

/// <summary>An open alarm as the remote status lists it.</summary>
/// <param name="BinStart">The bin's start.</param>
/// <param name="BinSeconds">The bin's length.</param>
/// <param name="Feature">The feature.</param>
/// <param name="Detector">The detector.</param>
/// <param name="Score">Its score.</param>
/// <param name="Threshold">The threshold the score exceeded.</param>
/// <param name="TopContributors">The keys whose share changed most, most first.</param>
public sealed record RecentAlarm(
    DateTimeOffset BinStart, int BinSeconds, string Feature, string Detector, double Score, double Threshold, IReadOnlyList<string> TopContributors);

/// <summary>The open alarms: counted per detector and feature, and the latest ones.</summary>
public sealed record AlarmSummary(IReadOnlyList<OpenAlarmCount> Open, IReadOnlyList<RecentAlarm> Recent)
{
    /// <summary>How many top contributors a recent alarm keeps.</summary>
    private const int Contributors = 3;

    /// <summary>Reads the counts and the <paramref name="recent"/> latest open alarms (newest first).</summary>
    public static async Task<AlarmSummary> ReadAsync(NpgsqlConnection connection, int recent, CancellationToken cancellationToken)
    {
        var open = new List<OpenAlarmCount>();
        await using (var counts = new NpgsqlCommand(
            "SELECT detector, feature, count(*) FROM mplane.alarms WHERE is_alarm AND alarm_state = 'open' GROUP BY detector, feature ORDER BY detector, feature",
            connection))
        await using (var reader = await counts.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                open.Add(new OpenAlarmCount(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
            }
        }

        var latest = new List<RecentAlarm>();
        if (recent > 0)
        {
            await using var command = new NpgsqlCommand(
                """
                SELECT bin_start, bin_seconds, feature, detector, score, threshold, top_contributors::text
                FROM mplane.alarms WHERE is_alarm AND alarm_state = 'open'
                ORDER BY bin_start DESC, feature, detector LIMIT $1
                """,
                connection);
            command.Parameters.Add(new NpgsqlParameter { Value = recent });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var contributors = AnalysisJson.Read<List<Contributor>>(reader.GetString(6));
                latest.Add(new RecentAlarm(
                    reader.GetFieldValue<DateTimeOffset>(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetDouble(4), reader.GetDouble(5),
                    contributors.Take(Contributors).Select(c => c.Key).ToList()));
            }
        }

        return new AlarmSummary(open, latest);
    }
}
