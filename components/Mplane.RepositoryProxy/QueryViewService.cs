using System.Globalization;
using Mplane.Components.Runtime;
using Mplane.LogFormats.Query;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Temporal;
using Mplane.Protocol.Values;
using Mplane.Warehouse.Sql;

namespace Mplane.RepositoryProxy;

/// <summary>The limits of a <c>repository-query_view</c> result.</summary>
/// <param name="MaxRows">The most rows a specification may ask for (the constraint of <c>repository.limit</c>).</param>
/// <param name="MaxBytes">The most bytes of row values a result may carry; a larger result is refused, not cut.</param>
/// <param name="Schema">The schema of table names given without one.</param>
public sealed record QueryViewSettings(int MaxRows, long MaxBytes, string Schema = "public");

/// <summary>
/// <c>repository-query_view</c>: the rows of a continuous table (a job's view, or a base table) in the
/// specification's time scope, optionally filtered with the filter language on the table's columns,
/// oldest first, at most <c>repository.limit</c> rows. Each row is its window time (<c>start</c>, the
/// table's <c>serial_time</c>) and its other columns as a JSON object: a table's columns are its own,
/// and no registry can name them all in advance.
/// </summary>
public sealed class QueryViewService(ViewReader reader, QueryViewSettings settings, IReadOnlyDictionary<string, string> metadata) : IService
{
    /// <summary>The capability's label.</summary>
    public const string Label = "repository-query_view";

    /// <summary>The parameter naming the table.</summary>
    public const string ViewParameter = "repository.view";

    /// <summary>The parameter holding the filter (<see cref="EveryRow"/> for none).</summary>
    public const string FilterParameter = "repository.filter";

    /// <summary>The filter that keeps every row: a specification must give every parameter a value, and <c>*</c> means "unset".</summary>
    public const string EveryRow = "all";

    /// <summary>The parameter bounding the rows.</summary>
    public const string LimitParameter = "repository.limit";

    /// <summary>The result columns, in order.</summary>
    public static readonly IReadOnlyList<string> Columns = ["start", "repository.row"];

    /// <inheritdoc />
    public Statement Capability { get; } = RepositoryCapabilities.Build(
        Label,
        "past ... future",
        new Dictionary<string, string>
        {
            [ViewParameter] = ValueCodec.Wildcard,
            [FilterParameter] = ValueCodec.Wildcard,
            [LimitParameter] = string.Create(CultureInfo.InvariantCulture, $"1 ... {settings.MaxRows}"),
        },
        Columns,
        metadata);

    /// <inheritdoc />
    public async Task<Statement> RunAsync(Statement specification, CancellationToken cancellationToken)
    {
        var (start, end) = When.Parse(specification.When).Evaluate(DateTimeOffset.UtcNow);
        if (start is not null && end == start)
        {
            throw new ServiceException($"the scope '{specification.When}' is a single instant; give a range (start ... end, past ... now, now + 1h)");
        }

        QualifiedName table;
        try
        {
            table = QualifiedName.Parse(specification.Parameters[ViewParameter], settings.Schema);
        }
        catch (ArgumentException e)
        {
            throw new ServiceException($"{ViewParameter}: {e.Message}");
        }

        var filter = specification.Parameters[FilterParameter].Trim();
        // Read as the constraint check read it (a natural may be written 100, 100.0 or 1e2).
        var limit = (int)(long)ValueCodec.Parse(Prim.Natural, specification.Parameters[LimitParameter])!;
        var rows = new List<IReadOnlyList<string>>();
        DateTimeOffset? first = null;
        long bytes = 0;
        try
        {
            await foreach (var (time, json) in reader.ReadAsync(table, start, end, filter == EveryRow ? null : filter, limit, cancellationToken).ConfigureAwait(false))
            {
                bytes += System.Text.Encoding.UTF8.GetByteCount(json) + 32; // the row's JSON and its time
                if (bytes > settings.MaxBytes)
                {
                    throw new ServiceException(string.Create(CultureInfo.InvariantCulture,
                        $"the result would exceed {settings.MaxBytes} bytes after {rows.Count} rows: narrow the time scope, add a filter or lower {LimitParameter}"));
                }

                first ??= time;
                rows.Add([ValueCodec.Format(Prim.Time, time), json]);
            }
        }
        catch (FilterException e)
        {
            throw new ServiceException($"{FilterParameter}: {e.Message}");
        }
        catch (UnknownTableException e)
        {
            throw new ServiceException($"{ViewParameter}: {e.Message}");
        }

        var shownEnd = end ?? DateTimeOffset.UtcNow;
        return specification with
        {
            Kind = MessageKind.Result,
            When = $"{ValueCodec.FormatTime(start ?? first ?? shownEnd)} ... {ValueCodec.FormatTime(shownEnd)}",
            Link = null,
            Results = Columns,
            ResultValues = rows,
        };
    }
}
