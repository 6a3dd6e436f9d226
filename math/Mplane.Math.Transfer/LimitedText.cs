using System.Text;

namespace Mplane.Math.Transfer;

/// <summary>Reads a peer's text (a registration, a listing) without letting it grow past a limit.</summary>
public static class LimitedText
{
    /// <summary>The UTF-8 text of <paramref name="body"/>, or null when it is longer than <paramref name="limit"/> bytes.</summary>
    public static async Task<string?> ReadAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[System.Math.Min(limit + 1, 1 << 16)];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                return null;
            }
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
