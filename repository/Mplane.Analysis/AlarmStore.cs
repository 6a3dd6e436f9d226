using Mplane.Warehouse.Catalogue;
using Npgsql;
using NpgsqlTypes;

namespace Mplane.Analysis;

/// <summary>
/// The alarm records in <c>mplane.alarms</c>: written in batches (a recomputation replaces a record
/// and keeps its acknowledgement), and read back for what the detectors carry from bin to bin: the
/// bins flagged per feature and detector, and the sequential detectors' state.
/// </summary>
public sealed class AlarmStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "bin_start, bin_seconds, feature, detector, score, threshold, is_alarm, status, entities, reference_from, reference_to, reference_bins, top_contributors, params, detector_state";

    /// <summary>Creates the catalogue (with the alarms table) if needed.</summary>
    public Task EnsureAsync(CancellationToken cancellationToken) => CatalogueSchema.EnsureAsync(dataSource, cancellationToken);

    /// <summary>Writes <paramref name="records"/> in one transaction.</summary>
    public async Task WriteAsync(IReadOnlyList<AlarmRecord> records, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var create = new NpgsqlCommand("CREATE TEMP TABLE incoming (LIKE mplane.alarms INCLUDING DEFAULTS) ON COMMIT DROP", connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var import = await connection.BeginBinaryImportAsync($"COPY incoming ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            foreach (var r in records)
            {
                await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(r.BinStart, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(r.BinSeconds, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(r.Feature, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(r.Detector, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(r.Score, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(r.Threshold, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(r.IsAlarm, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(r.Status, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(r.Entities, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await WriteNullableAsync(import, r.ReferenceFrom, cancellationToken).ConfigureAwait(false);
                await WriteNullableAsync(import, r.ReferenceTo, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(r.ReferenceBins, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(AnalysisJson.Write(r.TopContributors), NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(r.Parameters, NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                if (r.State is null)
                {
                    await import.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await import.WriteAsync(r.State, NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                }
            }

            await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var merge = new NpgsqlCommand(
            $"""
            INSERT INTO mplane.alarms ({Columns}) SELECT {Columns} FROM incoming
            ON CONFLICT (bin_start, bin_seconds, feature, detector) DO UPDATE SET
                score = EXCLUDED.score, threshold = EXCLUDED.threshold, is_alarm = EXCLUDED.is_alarm, status = EXCLUDED.status,
                entities = EXCLUDED.entities, reference_from = EXCLUDED.reference_from, reference_to = EXCLUDED.reference_to,
                reference_bins = EXCLUDED.reference_bins, top_contributors = EXCLUDED.top_contributors, params = EXCLUDED.params,
                detector_state = EXCLUDED.detector_state, computed_at = now()
            """,
            connection,
            transaction))
        {
            await merge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The bins flagged in [<paramref name="from"/>, <paramref name="to"/>), per (feature, detector).</summary>
    public async Task<Dictionary<(string Feature, string Detector), HashSet<DateTimeOffset>>> FlaggedAsync(
        int binSeconds, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var flagged = new Dictionary<(string, string), HashSet<DateTimeOffset>>();
        await using var command = dataSource.CreateCommand(
            "SELECT feature, detector, bin_start FROM mplane.alarms WHERE is_alarm AND bin_seconds = $1 AND bin_start >= $2 AND bin_start < $3");
        command.Parameters.Add(new NpgsqlParameter { Value = binSeconds });
        command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = (reader.GetString(0), reader.GetString(1));
            if (!flagged.TryGetValue(key, out var set))
            {
                flagged[key] = set = [];
            }

            set.Add(reader.GetFieldValue<DateTimeOffset>(2));
        }

        return flagged;
    }

    /// <summary>Each (feature, detector)'s state in its record of the bin at <paramref name="bin"/>.</summary>
    public async Task<Dictionary<(string Feature, string Detector), string>> StatesAsync(int binSeconds, DateTimeOffset bin, CancellationToken cancellationToken)
    {
        var states = new Dictionary<(string, string), string>();
        await using var command = dataSource.CreateCommand(
            "SELECT feature, detector, detector_state::text FROM mplane.alarms WHERE bin_seconds = $1 AND bin_start = $2 AND detector_state IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = binSeconds });
        command.Parameters.Add(new NpgsqlParameter { Value = bin, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            states[(reader.GetString(0), reader.GetString(1))] = reader.GetString(2);
        }

        return states;
    }

    /// <summary>The latest bin evaluated (with bins of <paramref name="binSeconds"/>, or any), or null.</summary>
    public async Task<DateTimeOffset?> LastBinAsync(int? binSeconds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT max(bin_start) FROM mplane.alarms WHERE $1::integer IS NULL OR bin_seconds = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)binSeconds ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime last ? new DateTimeOffset(last, TimeSpan.Zero) : null;
    }

    /// <summary>The records with alarms between <paramref name="from"/> and <paramref name="to"/> (all records with <paramref name="all"/>), oldest first.</summary>
    /// <remarks>With <paramref name="limit"/>, at most that many records (the oldest): callers that serve peers ask for one more than they allow, to know when there are too many.</remarks>
    public async Task<List<StoredAlarm>> ReadAsync(DateTimeOffset from, DateTimeOffset to, bool all, CancellationToken cancellationToken, int? limit = null)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns}, alarm_state, computed_at FROM mplane.alarms WHERE bin_start >= $1 AND bin_start < $2 AND (is_alarm OR $3) ORDER BY bin_start, feature, detector LIMIT $4");
        command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = all });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)limit ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<StoredAlarm>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
            var record = new AlarmRecord(
                reader.GetFieldValue<DateTimeOffset>(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetDouble(4), reader.GetDouble(5),
                reader.GetBoolean(6), reader.GetString(7), reader.GetInt64(8), At(9), At(10), reader.GetInt32(11),
                AnalysisJson.Read<List<Contributor>>(reader.GetString(12)), reader.GetString(13), reader.IsDBNull(14) ? null : reader.GetString(14));
            list.Add(new StoredAlarm(record, reader.GetString(15), reader.GetFieldValue<DateTimeOffset>(16)));
        }

        return list;
    }

    /// <summary>Acknowledges the alarms of <paramref name="bin"/> (all features, or one); returns how many.</summary>
    public async Task<int> AcknowledgeAsync(DateTimeOffset bin, string? feature, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE mplane.alarms SET alarm_state = 'acknowledged' WHERE is_alarm AND bin_start = $1 AND ($2::text IS NULL OR feature = $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = bin, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)feature ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter import, DateTimeOffset? value, CancellationToken cancellationToken) =>
        value is { } v ? import.WriteAsync(v, NpgsqlDbType.TimestampTz, cancellationToken) : import.WriteNullAsync(cancellationToken);
}

/// <summary>An alarm record as stored, with the operator's state and when it was computed.</summary>
/// <param name="Record">The record.</param>
/// <param name="AlarmState"><c>open</c> or <c>acknowledged</c>.</param>
/// <param name="ComputedAt">When it was (re)computed.</param>
public sealed record StoredAlarm(AlarmRecord Record, string AlarmState, DateTimeOffset ComputedAt);
