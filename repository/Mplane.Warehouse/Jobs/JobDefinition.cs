using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Mplane.Warehouse.Sql;
using Mplane.Warehouse.Tables;

namespace Mplane.Warehouse.Jobs;

/// <summary>One input of a job: the slice of a table it reads for each window.</summary>
/// <param name="Table">The input table.</param>
/// <param name="Slice">The slice's length (default: the job's window).</param>
/// <param name="Delay">How far the slice ends before the window's end.</param>
public sealed record JobInput(QualifiedName Table, TimeSpan Slice, TimeSpan Delay)
{
    /// <summary>The slice [start, end) read for the window starting at <paramref name="windowStart"/>.</summary>
    public (DateTimeOffset Start, DateTimeOffset End) SliceFor(DateTimeOffset windowStart, TimeSpan window)
    {
        var end = windowStart + window - Delay;
        return (end - Slice, end);
    }
}

/// <summary>An output column of a job.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Type">Its SQL type, from an allowed list.</param>
public sealed record JobColumn(Identifier Name, string Type);

/// <summary>
/// A continuous job, validated: for every window [t, t+w) of its output, once all its inputs are
/// complete through their slices, its query runs over those slices and its rows replace the output
/// window atomically.
/// </summary>
public sealed partial record JobDefinition
{
    /// <summary>SQL types an output column may have.</summary>
    public static readonly IReadOnlySet<string> AllowedTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "smallint", "integer", "bigint", "real", "double precision", "numeric", "boolean", "text", "inet", "cidr",
        "timestamptz", "date", "interval", "jsonb", "text[]", "bigint[]", "double precision[]",
    };

    /// <summary>The job's name (also its scheduler key).</summary>
    public required string Name { get; init; }

    /// <summary>What it computes.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>Its inputs, in placeholder order (<c>__IN0</c>, <c>__IN1</c>, ...).</summary>
    public required IReadOnlyList<JobInput> Inputs { get; init; }

    /// <summary>The output table.</summary>
    public required QualifiedName Output { get; init; }

    /// <summary>The output's window: the job runs once per window.</summary>
    public required TimeSpan Window { get; init; }

    /// <summary>The output's columns after <c>serial_time</c>.</summary>
    public required IReadOnlyList<JobColumn> Columns { get; init; }

    /// <summary>Columns to index on each output partition.</summary>
    public IReadOnlyList<Identifier> Indexes { get; init; } = [];

    /// <summary>The first window; null to start at the first window with input data.</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>Breaks ties between jobs with equally urgent windows: higher runs first.</summary>
    public int Priority { get; init; }

    /// <summary>The SQL with placeholders; it returns <c>serial_time</c> then the columns, in order.</summary>
    public required string Query { get; init; }

    /// <summary>The output table's window.</summary>
    public TableWindow OutputWindow => new(Window);

    /// <summary>A digest of everything that shapes the output, to notice a changed definition.</summary>
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n',
        [Output.Quoted, Window.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), Query,
         .. Columns.Select(c => $"{c.Name.Name} {c.Type}"),
         .. Inputs.Select(i => $"{i.Table.Quoted} {i.Slice.TotalSeconds} {i.Delay.TotalSeconds}")]))))[..16];

    /// <summary>Whether the query reads the output's previous window (an incremental view).</summary>
    public bool ReadsPrevious => Placeholder().Matches(Query).Any(m => m.Groups[1].Value == "PREV");

    /// <summary>The placeholders a query may use.</summary>
    [GeneratedRegex(@"__(STARTTS64|ENDTS64|STARTTS|ENDTS|PREV|IN[0-9]+)\b", RegexOptions.CultureInvariant)]
    internal static partial Regex Placeholder();
}
