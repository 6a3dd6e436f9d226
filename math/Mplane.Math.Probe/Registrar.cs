using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Mplane.Math.Transfer;

namespace Mplane.Math.Probe;

/// <summary>
/// Pull mode's registration: the original's JSON, byte for byte, to <c>http://&lt;repoUrl&gt;/DBSImport</c>.
/// Unlike the original it is retried with backoff until the repository answers, and a refusal is
/// reported instead of ignored.
/// </summary>
public sealed class Registrar(IHttpClientFactory clients, ILogger<Registrar> logger)
{
    /// <summary>Registers; returns the repository's answer.</summary>
    /// <exception cref="InvalidOperationException">The repository refused the registration.</exception>
    public async Task<string> RegisterAsync(Uri repository, Registration registration, CancellationToken cancellationToken)
    {
        var retry = RetryPipelines.Backoff(
            e => e is HttpRequestException,
            (error, delay) => logger.LogWarning("Registration at {Repository} failed ({Error}); retrying in {Delay}", repository, error?.Message, delay));
        return await retry.ExecuteAsync(
            async ct =>
            {
                using var content = new StringContent(registration.ToOriginalJson(), Encoding.UTF8);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json"); // as the original: no charset
                using var response = await clients.CreateClient(ProbeHttp.ClientName).PostAsync(new Uri(repository, "/DBSImport"), content, ct).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                if (response.StatusCode >= HttpStatusCode.InternalServerError)
                {
                    throw new HttpRequestException($"the repository answered {(int)response.StatusCode}: {body}");
                }

                return response.IsSuccessStatusCode
                    ? body
                    : throw new InvalidOperationException($"the repository refused the registration of {registration.StreamName} ({(int)response.StatusCode}: {body})");
            },
            cancellationToken).ConfigureAwait(false);
    }
}
