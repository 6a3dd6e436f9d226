using System.Globalization;
using System.Net;
using System.Text;
using Mplane.Math.Transfer;
using Newtonsoft.Json;

namespace Mplane.RepositoryProxy;

/// <summary>
/// math_repo's collections (<see cref="CollectionProtocol"/>) as the proxy uses them: open one for a
/// specification, read its report, end it. The HTTP client carries the proxy's identity (its client
/// certificate); math_repo authorizes it for <see cref="CollectionProtocol.Label"/>.
/// </summary>
public sealed class MathRepoCollections(HttpClient http, Uri mathRepo)
{
    /// <summary>Opens a collection for [<paramref name="start"/>, <paramref name="end"/>) on behalf of <paramref name="requester"/>.</summary>
    /// <exception cref="MathRepoException">math_repo refused or could not be reached.</exception>
    public async Task<CollectionReport> OpenAsync(DateTimeOffset start, DateTimeOffset? end, string requester, CancellationToken cancellationToken)
    {
        var body = JsonConvert.SerializeObject(new CollectionRequest(start, end, requester));
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await SendAsync(HttpMethod.Post, CollectionProtocol.Path, content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The collection's report so far.</summary>
    public Task<CollectionReport> ReportAsync(string id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"{CollectionProtocol.Path}/{Uri.EscapeDataString(id)}", null, cancellationToken);

    /// <summary>Ends the collection now; its final report.</summary>
    public Task<CollectionReport> EndAsync(string id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, $"{CollectionProtocol.Path}/{Uri.EscapeDataString(id)}", null, cancellationToken);

    private async Task<CollectionReport> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(mathRepo, path)) { Content = content };
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new MathRepoException($"math_repo at {mathRepo} cannot be reached: {e.Message}", e);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new MathRepoException(string.Create(CultureInfo.InvariantCulture,
                    $"math_repo at {mathRepo} answered {(int)response.StatusCode} to {method} {path}: {Shorten(text)}"), null, response.StatusCode);
            }

            try
            {
                return JsonConvert.DeserializeObject<CollectionReport>(text) ?? throw new JsonException("empty answer");
            }
            catch (JsonException e)
            {
                throw new MathRepoException($"math_repo at {mathRepo} answered {method} {path} with something other than a collection: {e.Message}", e);
            }
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";
}

/// <summary>math_repo refused a collection request or could not be reached.</summary>
public sealed class MathRepoException(string message, Exception? inner = null, HttpStatusCode? status = null) : Exception(message, inner)
{
    /// <summary>math_repo's status, when it answered.</summary>
    public HttpStatusCode? Status { get; } = status;
}
