namespace Mplane.Math.Transfer;

/// <summary>
/// The push protocol between math_probe and math_repo: resumable uploads, one file per resource.
/// <list type="bullet">
/// <item><c>HEAD {FilesPath}/{stream}/files/{path}</c>: how much the repository holds of the file
/// (<c>Upload-Offset</c>), whether it is complete (<c>Upload-Complete: true</c> and its
/// <c>Upload-Sha256</c>), and the request encodings it accepts (<c>Accept-Encoding: gzip</c>).</item>
/// <item><c>PUT</c> on the same resource: the bytes from <c>Upload-Offset</c> to the end, with the
/// whole file's <c>Upload-Length</c> and <c>Upload-Sha256</c>, optionally <c>Content-Encoding: gzip</c>.
/// 201 once the file is complete, checked, stored durably and recorded (the acknowledgement);
/// 204 with the new offset for a body that ended early; 409 with the current offset when the
/// offsets disagree or the file is complete with other content; 422 when the checksum does not
/// match (the partial upload is discarded).</item>
/// </list>
/// </summary>
public static class PushProtocol
{
    /// <summary>The prefix of stream resources.</summary>
    public const string StreamsPath = "/math/v1/streams";

    /// <summary>The first byte the body carries; on responses, the bytes held.</summary>
    public const string OffsetHeader = "Upload-Offset";

    /// <summary>The whole file's length.</summary>
    public const string LengthHeader = "Upload-Length";

    /// <summary>The whole file's SHA-256, lower-case hex.</summary>
    public const string Sha256Header = "Upload-Sha256";

    /// <summary>The stream's type (which reader the repository uses).</summary>
    public const string StreamTypeHeader = "Upload-Stream-Type";

    /// <summary>On HEAD responses: <c>true</c> when the file is stored whole.</summary>
    public const string CompleteHeader = "Upload-Complete";

    /// <summary>
    /// On pull-mode listings (<c>/ListDir</c>) of our probe: <c>true</c>, the listing holds finished files
    /// only, so the repository need not hold back the newest period as it must for an original probe.
    /// </summary>
    public const string FinishedOnlyHeader = "X-Math-Finished-Only";

    /// <summary>The resource of one file of a stream (both validated and escaped).</summary>
    public static string FilePath(string stream, string relativePath) =>
        $"{StreamsPath}/{Uri.EscapeDataString(TransferNames.Stream(stream))}/files/{string.Join('/', TransferNames.RelativePath(relativePath).Split('/').Select(Uri.EscapeDataString))}";
}
