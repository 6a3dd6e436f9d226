using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mplane.Protocol.Messages;

namespace Mplane.Components.Client;

/// <summary>A receipt kept for later redemption: the receipt as the peer sent it, where to redeem it, and when it was stored.</summary>
public sealed record StoredReceipt(Statement Receipt, Uri Url, DateTimeOffset Stored)
{
    /// <summary>The receipt's token.</summary>
    public string Token => Receipt.Token ?? string.Empty;
}

/// <summary>
/// Receipts kept between invocations of the client, so that a result can be redeemed later: one small
/// JSON file per receipt, <c>&lt;token&gt;.json</c> in the state folder (mode 0600 in a 0700 folder),
/// written to a temporary file and renamed into place, so that a reader sees a whole receipt or none
/// and two clients storing at once never lose one another's. A token names a file only once it has
/// been checked to be letters, digits, <c>-</c> and <c>_</c> (no dot, no slash): a token from a peer
/// or a command line cannot reach another path.
/// </summary>
public sealed partial class ReceiptStore(string folder)
{
    private const string Extension = ".json";

    /// <summary>The state folder.</summary>
    public string Folder { get; } = Path.GetFullPath(folder);

    /// <summary>The default state folder: <c>$XDG_STATE_HOME/mplane/client</c>, else <c>~/.local/state/mplane/client</c>.</summary>
    /// <param name="environment">Reads an environment variable (injected: tests and callers decide where it comes from).</param>
    /// <exception cref="InvalidOperationException">Neither variable is an absolute path.</exception>
    public static string DefaultFolder(Func<string, string?> environment)
    {
        // The XDG rule: a relative XDG_STATE_HOME is invalid and ignored.
        var state = environment("XDG_STATE_HOME") is { Length: > 0 } xdg && Path.IsPathFullyQualified(xdg) ? xdg
            : environment("HOME") is { Length: > 0 } home && Path.IsPathFullyQualified(home) ? Path.Combine(home, ".local", "state")
            : throw new InvalidOperationException("neither XDG_STATE_HOME nor HOME is an absolute path, so there is no default state folder");
        return Path.Combine(state, "mplane", "client");
    }

    /// <summary>Whether <paramref name="token"/> may name a stored receipt: 1 to 128 letters, digits, '-' and '_', starting with a letter or digit.</summary>
    public static bool IsToken(string token) => TokenPattern().IsMatch(token);

    /// <summary>Stores <paramref name="receipt"/>, replacing one with the same token.</summary>
    /// <exception cref="ArgumentException">Its token may not name a file (<see cref="IsToken"/>).</exception>
    public async Task SaveAsync(StoredReceipt receipt, CancellationToken cancellationToken)
    {
        var path = PathOf(receipt.Token);
        Directory.CreateDirectory(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var document = new JsonObject
        {
            ["url"] = receipt.Url.AbsoluteUri,
            ["stored"] = receipt.Stored.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["receipt"] = JsonNode.Parse(MessageCodec.Write(receipt.Receipt)),
        };
        var temporary = Path.Combine(Folder, $".{receipt.Token}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Options = FileOptions.Asynchronous,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            await using (var stream = new FileStream(temporary, options))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(document.ToJsonString(new JsonSerializerOptions { WriteIndented = true })), cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true); // whole on disk before it takes the receipt's name
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary); // nothing left when the rename happened; the partial file when it did not
        }
    }

    /// <summary>The receipt with <paramref name="token"/>, or null.</summary>
    /// <exception cref="ArgumentException">The token may not name a file.</exception>
    /// <exception cref="InvalidDataException">The stored file is damaged; the message names it.</exception>
    public async Task<StoredReceipt?> FindAsync(string token, CancellationToken cancellationToken)
    {
        var path = PathOf(token);
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        return Read(text, path, token);
    }

    /// <summary>Every stored receipt, oldest first.</summary>
    /// <exception cref="InvalidDataException">A stored file is damaged; the message names it.</exception>
    public async Task<IReadOnlyList<StoredReceipt>> ListAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Folder))
        {
            return [];
        }

        var receipts = new List<StoredReceipt>();
        foreach (var path in Directory.EnumerateFiles(Folder, "*" + Extension))
        {
            var token = Path.GetFileNameWithoutExtension(path);
            if (IsToken(token) && await FindAsync(token, cancellationToken).ConfigureAwait(false) is { } receipt)
            {
                receipts.Add(receipt);
            }
        }

        return [.. receipts.OrderBy(r => r.Stored).ThenBy(r => r.Token, StringComparer.Ordinal)];
    }

    /// <summary>Forgets the receipt with <paramref name="token"/> (nothing happens when there is none).</summary>
    public void Remove(string token) => File.Delete(PathOf(token));

    private static StoredReceipt Read(string text, string path, string token)
    {
        try
        {
            var document = JsonNode.Parse(text)?.AsObject() ?? throw new FormatException("not a JSON object");
            var url = new Uri((string?)document["url"] ?? throw new FormatException("no url"), UriKind.Absolute);
            var stored = DateTimeOffset.Parse((string?)document["stored"] ?? throw new FormatException("no stored time"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            var receipt = MessageCodec.Parse(document["receipt"]?.ToJsonString() ?? throw new FormatException("no receipt")) as Statement;
            return receipt is { Kind: MessageKind.Receipt } && receipt.Token == token && url.Scheme is "http" or "https"
                ? new StoredReceipt(receipt, url, stored)
                : throw new FormatException($"not the receipt {token} with an http(s) url");
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or UriFormatException)
        {
            throw new InvalidDataException($"{path}: not a stored receipt ({e.Message}); delete it", e);
        }
    }

    private string PathOf(string token) =>
        IsToken(token) ? Path.Combine(Folder, token + Extension) : throw new ArgumentException($"'{token}' is not a token (letters, digits, '-', '_', at most 128)", nameof(token));

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();
}
