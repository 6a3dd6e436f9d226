using Newtonsoft.Json;

namespace Mplane.Math.Transfer;

/// <summary>
/// Collections: a time scope during which math_repo collects logs on someone's behalf (the mPlane
/// repository's <c>repository-collect_log</c>), and the report of what arrived in it.
/// <list type="bullet">
/// <item><c>POST {Path}</c> with a <see cref="CollectionRequest"/>: opens a collection; 201 and its <see cref="CollectionReport"/>.</item>
/// <item><c>GET {Path}/{id}</c>: the collection's report so far.</item>
/// <item><c>DELETE {Path}/{id}</c>: ends it now (an interrupted specification); 200 and its final report.</item>
/// </list>
/// The caller's identity must be authorized for the label <see cref="Label"/> (else 403); a
/// collection is read and ended only by the identity that opened it. Bodies are JSON (at most 16 KB),
/// times ISO 8601 in UTC (a time without an offset is taken as UTC). Refusals are plain text naming
/// what is wrong: 400 for a bad field or an id that is not 32 lower-case hex digits, 404 for an
/// unknown id, 503 when every collection kept (256) is still open.
/// </summary>
public static class CollectionProtocol
{
    /// <summary>The collections resource.</summary>
    public const string Path = "/math/v1/collections";

    /// <summary>The authorization label of the collections endpoints.</summary>
    public const string Label = "math_repo-collect";
}

/// <summary>Opens a collection; a scope in the past is allowed (the report of what came then).</summary>
/// <param name="Start">The scope's start; files stored from then on count.</param>
/// <param name="End">The scope's end (exclusive); null for a collection open until it is ended.</param>
/// <param name="Requester">On whose behalf (the mPlane identity of the specification), for the record.</param>
public sealed record CollectionRequest(
    [property: JsonProperty("start")] DateTimeOffset Start,
    [property: JsonProperty("end")] DateTimeOffset? End,
    [property: JsonProperty("requester")] string Requester);

/// <summary>What a collection gathered, per stream.</summary>
/// <param name="Id">The collection's id (opaque).</param>
/// <param name="Pending">Files stored in the scope that the handler has not handled yet (rows still unknown).</param>
/// <param name="Ended">Whether the scope is over (its end passed, or it was ended).</param>
public sealed record CollectionReport(
    [property: JsonProperty("id")] string Id,
    [property: JsonProperty("start")] DateTimeOffset Start,
    [property: JsonProperty("end")] DateTimeOffset? End,
    [property: JsonProperty("requester")] string Requester,
    [property: JsonProperty("ended")] bool Ended,
    [property: JsonProperty("pending")] int Pending,
    [property: JsonProperty("streams")] IReadOnlyList<CollectedStream> Streams);

/// <summary>One stream's files in a collection.</summary>
/// <param name="Files">Files stored in the scope (whole, checked).</param>
/// <param name="Failed">Of those, files the handler could not handle.</param>
/// <param name="Bytes">Their bytes.</param>
/// <param name="Rows">Rows the handler imported from them (0 with the copy handler; 0 for a file whose content the warehouse held already).</param>
public sealed record CollectedStream(
    [property: JsonProperty("stream")] string Stream,
    [property: JsonProperty("files")] int Files,
    [property: JsonProperty("failed")] int Failed,
    [property: JsonProperty("bytes")] long Bytes,
    [property: JsonProperty("rows")] long Rows);
