using System.Globalization;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mplane.Math.Transfer;

namespace Mplane.Math.Repo;

/// <summary>
/// math_repo's HTTP endpoints. Every request is first identified (<see cref="PeerAuthenticator"/>);
/// every stream operation is then authorized for that identity; everything else is 404.
/// <list type="bullet">
/// <item>Push: <c>HEAD</c>/<c>PUT {PushProtocol.StreamsPath}/{stream}/files/{path}</c> (see <see cref="PushProtocol"/>).</item>
/// <item>The original's registration API: <c>POST /DBSImport</c>, <c>GET /DBSImport[/n]</c>, and
/// <c>DELETE /DBSImport/n</c>, which the original never implemented.</item>
/// <item><c>GET /status</c>: streams, files, pending work, pull imports (the label <c>math_repo-status</c> must be authorized).</item>
/// <item>Collections: <c>POST</c>, <c>GET</c>, <c>DELETE {CollectionProtocol.Path}</c> (see <see cref="CollectionEndpoints"/>).</item>
/// </list>
/// </summary>
public static class RepoServer
{
    /// <summary>The original's content type for every answer of its API.</summary>
    private const string OriginalText = "text/plain; charset=utf-8";

    /// <summary>How long a peer refused outside collections is asked to wait before trying again.</summary>
    private const int ClosedRetrySeconds = 30;

    /// <summary>The authorization label of the status endpoint.</summary>
    public const string StatusLabel = "math_repo-status";

    /// <summary>How long an upload's body may stop coming when the settings do not say.</summary>
    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Builds the server; the caller starts it and runs the <see cref="HandlerQueue"/> and <see cref="PullImports"/>.</summary>
    public static WebApplication Build(RepoSettings settings, RepoServices services, Action<ILoggingBuilder>? logging = null)
    {
        // The content root in the program's folder and no configuration reload: by default the working
        // directory is watched recursively, and every write to files below it (a spool) wakes the watcher.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = settings.MaxFileBytes;
            kestrel.AddServerHeader = false;
            kestrel.Listen(settings.Listen, listen =>
            {
                if (settings.Tls is { } tls)
                {
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = tls.Certificate ?? throw new InvalidOperationException("math_repo needs its own certificate");
                        https.ClientCertificateMode = settings.Tokens.Count > 0 ? ClientCertificateMode.AllowCertificate : ClientCertificateMode.RequireCertificate;
                        https.ClientCertificateValidation = (certificate, chain, _) =>
                        {
                            if (tls.Ca.Trusts(certificate, chain))
                            {
                                return true;
                            }

                            // The handshake fails: no request, so no other place to say why.
                            kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Mplane.Math.Repo").LogWarning(
                                "Refused a TLS client certificate: {Subject} (issuer {Issuer}) does not chain to the configured CA", certificate.Subject, certificate.Issuer);
                            return false;
                        };
                    });
                }
            });
        });

        var app = builder.Build();
        var authenticator = new PeerAuthenticator(settings);
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Mplane.Math.Repo");
        app.Use(async (context, next) =>
        {
            var peer = authenticator.Authenticate(context);
            if (!peer.Ok)
            {
                log.LogWarning("Refused {Method} {Path} from {Remote}: {Problem}", context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress, peer.Problem);
                await Text(context, peer.Status, peer.Problem!).ConfigureAwait(false);
                return;
            }

            context.Items[nameof(PeerResult)] = peer.Identity;
            await next(context).ConfigureAwait(false);
            if (context.GetEndpoint() is not RouteEndpoint && context.Response.StatusCode is 404 or 405)
            {
                // No endpoint took it: a path (or a method) that does not exist here.
                log.LogWarning("Refused {Method} {Path} from {Identity}: {Status}", context.Request.Method, context.Request.Path, peer.Identity, context.Response.StatusCode);
            }
        });

        var files = PushProtocol.StreamsPath + "/{stream}/files/{**path}";
        app.MapMethods(files, ["HEAD"], (HttpContext context, string stream, string path) => Guard(context, settings, services, stream, path, log, () =>
        {
            var state = services.Store.State(stream, path);
            context.Response.Headers[PushProtocol.OffsetHeader] = state.Offset.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers.AcceptEncoding = "gzip";
            if (state.Stored is { } stored)
            {
                context.Response.Headers[PushProtocol.CompleteHeader] = "true";
                context.Response.Headers[PushProtocol.Sha256Header] = stored.Sha256;
            }

            return Task.CompletedTask;
        }));
        app.MapPut(files, (HttpContext context, string stream, string path) => Guard(context, settings, services, stream, path, log, () => PutAsync(context, stream, path, services, log, settings.StallTimeout ?? DefaultStallTimeout)));

        app.MapPost("/DBSImport", async context =>
        {
            if (!context.Request.HasJsonContentType() && context.Request.ContentType is not null && !context.Request.ContentType.StartsWith("text/", StringComparison.Ordinal))
            {
                await Refuse(context, log, 415, "registration must be JSON").ConfigureAwait(false);
                return;
            }

            var body = await LimitedText.ReadAsync(context.Request.Body, Registration.MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
            if (body is null)
            {
                await Refuse(context, log, 413, $"registration over {Registration.MaxBodyBytes} bytes").ConfigureAwait(false);
                return;
            }

            Registration registration;
            try
            {
                registration = Registration.Parse(body);
            }
            catch (FormatException e)
            {
                log.LogWarning("Refused registration from {Remote}: {Problem}", context.Connection.RemoteIpAddress, e.Message);
                await Text(context, 400, "invalid JSON data").ConfigureAwait(false);
                return;
            }

            if (OutsideCollections(context, settings, services.Collections) is { } closed)
            {
                log.LogInformation("Refused registration of {Stream} from {Remote}: no collection is open", registration.StreamName, context.Connection.RemoteIpAddress);
                await closed.ConfigureAwait(false);
                return;
            }

            var (status, answer) = await services.Pull.RegisterAsync(registration, Identity(context), context.Connection.RemoteIpAddress!, context.RequestAborted).ConfigureAwait(false);
            if (status != 200)
            {
                log.LogWarning("Refused registration of {Stream} from {Remote}: {Problem}", registration.StreamName, context.Connection.RemoteIpAddress, answer);
            }

            await Text(context, status, answer).ConfigureAwait(false);
        });
        app.MapMethods("/DBSImport/{**rest}", ["POST"], (HttpContext context) => Refuse(context, log, 405, "method not allowed"));
        app.MapGet("/DBSImport", (HttpContext context) => Json(context, OriginalListing(services.Pull.Imports, Identity(context), settings), OriginalText));
        app.MapGet("/DBSImport/{index}", (HttpContext context, string index) =>
        {
            if (!int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return Refuse(context, log, 400, "invalid entry id");
            }

            var listing = OriginalListing(services.Pull.Imports, Identity(context), settings);
            return listing.TryGetValue(index, out var one) ? Json(context, one, OriginalText) : Text(context, 404, "entry not found");
        });
        app.MapDelete("/DBSImport/{index}", async (HttpContext context, string index) =>
        {
            if (!int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                await Refuse(context, log, 400, "invalid entry id").ConfigureAwait(false);
                return;
            }

            var (status, answer) = await services.Pull.RemoveAsync(n, Identity(context), context.RequestAborted).ConfigureAwait(false);
            await (status >= 400 ? Refuse(context, log, status, answer) : Text(context, status, answer)).ConfigureAwait(false);
        });
        app.MapGet("/status", (HttpContext context) =>
            settings.Access.IsAllowed(Identity(context), StatusLabel)
                ? Json(context, RepoStatus.Of(services))
                : Refuse(context, log, 403, $"identity {Identity(context)} may not read the status ({StatusLabel} is not authorized for it)"));
        CollectionEndpoints.Map(app, settings, services.Collections, log);
        return app;
    }

    private static async Task PutAsync(HttpContext context, string stream, string path, RepoServices services, ILogger log, TimeSpan stallTimeout)
    {
        var request = context.Request;
        if (!long.TryParse(request.Headers[PushProtocol.OffsetHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ||
            !long.TryParse(request.Headers[PushProtocol.LengthHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            await Refuse(context, log, 400, $"{PushProtocol.OffsetHeader} and {PushProtocol.LengthHeader} must be whole numbers").ConfigureAwait(false);
            return;
        }

        var type = request.Headers[PushProtocol.StreamTypeHeader].ToString();
        try
        {
            TransferNames.StreamType(type);
        }
        catch (ArgumentException e)
        {
            await Refuse(context, log, 400, e.Message).ConfigureAwait(false);
            return;
        }

        var encoding = request.Headers.ContentEncoding.ToString();
        if (encoding is not ("" or "identity" or "gzip"))
        {
            await Refuse(context, log, 415, $"Content-Encoding '{encoding}' is not accepted (gzip is)").ConfigureAwait(false);
            return;
        }

        // The body straight from Kestrel's pipe; a gzip body through a decompressing stream adapted to a pipe.
        await using var gzip = encoding == "gzip" ? new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true) : null;
        var body = gzip is null ? request.BodyReader : PipeReader.Create(gzip, new StreamPipeReaderOptions(bufferSize: 1 << 16, leaveOpen: true));
        var guarded = new StallGuardedReader(body, stallTimeout);
        AppendOutcome outcome;
        long held;
        LedgerEntry? stored;
        try
        {
            (outcome, held, stored) = await services.Store.AppendAsync(stream, path, type, Identity(context), offset, length, request.Headers[PushProtocol.Sha256Header].ToString(), guarded, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException) when (guarded.Stalled)
        {
            context.Response.Headers.Connection = "close"; // the rest of the body is not waited for
            throw;
        }
        finally
        {
            if (gzip is not null)
            {
                await body.CompleteAsync().ConfigureAwait(false);
            }
        }

        context.Response.Headers[PushProtocol.OffsetHeader] = held.ToString(CultureInfo.InvariantCulture);
        switch (outcome)
        {
            case AppendOutcome.Stored:
                services.Queue.Enqueue(stored!);
                await Text(context, 201, "stored").ConfigureAwait(false);
                break;
            case AppendOutcome.AlreadyStored:
                await Text(context, 200, "already stored").ConfigureAwait(false);
                break;
            default:
                context.Response.StatusCode = 204;
                break;
        }
    }

    /// <summary>Validates the stream and path, authorizes the stream, refuses it outside collections when so configured, maps refusals to their status.</summary>
    private static async Task Guard(HttpContext context, RepoSettings settings, RepoServices services, string stream, string path, ILogger log, Func<Task> action)
    {
        var identity = Identity(context);
        try
        {
            TransferNames.Stream(stream);
            TransferNames.RelativePath(path);
        }
        catch (ArgumentException e)
        {
            log.LogWarning("Refused {Method} from {Identity}: {Problem}", context.Request.Method, identity, e.Message);
            await Text(context, 400, e.Message).ConfigureAwait(false);
            return;
        }

        if (!settings.Access.IsAllowed(identity, stream))
        {
            log.LogWarning("Refused {Method} {Stream}/{Path}: identity {Identity} is not authorized for the stream", context.Request.Method, stream, path, identity);
            await Text(context, 403, $"identity {identity} may not send stream {stream}").ConfigureAwait(false);
            return;
        }

        if (OutsideCollections(context, settings, services.Collections) is { } closed)
        {
            log.LogInformation("Refused {Method} {Stream}/{Path} from {Identity}: no collection is open", context.Request.Method, stream, path, identity);
            await closed.ConfigureAwait(false);
            return;
        }

        try
        {
            await action().ConfigureAwait(false);
        }
        catch (UploadRefusedException e)
        {
            log.LogWarning("Refused upload of {Stream}/{Path} from {Identity}: {Problem}", stream, path, identity, e.Message);
            if (e.Offset is { } held)
            {
                context.Response.Headers[PushProtocol.OffsetHeader] = held.ToString(CultureInfo.InvariantCulture);
            }

            await Text(context, e.Status, e.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            // The peer's fault (a body that ended early, too slowly, too large): Kestrel's own status.
            log.LogWarning("Upload of {Stream}/{Path} from {Identity} refused: {Problem}", stream, path, identity, e.Message);
            await Text(context, e.StatusCode, $"bad request body: {e.Message}").ConfigureAwait(false);
        }
        catch (InvalidDataException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            log.LogWarning("Upload of {Stream}/{Path} from {Identity} is not valid gzip: {Problem}", stream, path, identity, e.Message);
            await Text(context, 400, $"the body is not valid gzip: {e.Message}").ConfigureAwait(false);
        }
        catch (IOException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Ours (a full disk...): transient for the peer, which retries.
            log.LogError("Upload of {Stream}/{Path} from {Identity} failed here: {Problem}", stream, path, identity, e.Message);
            await Text(context, 503, "the repository cannot store the file now; retry later").ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            log.LogInformation("Upload of {Stream}/{Path} from {Identity} cut: {Problem}", stream, path, identity, e.Message); // the peer resumes
        }
    }

    /// <summary>
    /// With <c>accept: collections</c>, the refusal of anything that would store files while no
    /// collection is open (503 and Retry-After: peers retry, and their files wait on their side); null otherwise.
    /// </summary>
    private static Task? OutsideCollections(HttpContext context, RepoSettings settings, CollectionRegistry collections)
    {
        if (settings.Accept == AcceptMode.Always || collections.AnyOpenNow())
        {
            return null;
        }

        context.Response.Headers.RetryAfter = ClosedRetrySeconds.ToString(CultureInfo.InvariantCulture);
        return Text(context, 503, $"math_repo accepts files only while a collection is open (accept: collections) and none is open now; retry in {ClosedRetrySeconds} s");
    }

    /// <summary>The identity the authentication found for the request.</summary>
    internal static string Identity(HttpContext context) => (string)context.Items[nameof(PeerResult)]!;

    private static Dictionary<string, object> OriginalListing(IReadOnlyList<PullImport> imports, string identity, RepoSettings settings) =>
        imports.Select((import, index) => (import, index))
            .Where(x => settings.Access.IsAllowed(identity, x.import.Registration.StreamName))
            .ToDictionary(
                x => x.index.ToString(CultureInfo.InvariantCulture),
                x => (object)new
                {
                    XMLName = new { Space = string.Empty, Local = "DBSImportConfig" },
                    x.import.Registration.CallBackUrl,
                    x.import.Registration.StreamName,
                    x.import.Registration.StreamType,
                    x.import.Registration.StartTime,
                });

    /// <summary>Answers <paramref name="value"/> as JSON.</summary>
    internal static Task Json(HttpContext context, object value, string contentType = "application/json", int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(Newtonsoft.Json.JsonConvert.SerializeObject(value), context.RequestAborted);
    }

    /// <summary>Logs a refusal (method, path, identity, status, why) and answers it as <see cref="Text"/>.</summary>
    internal static Task Refuse(HttpContext context, ILogger log, int status, string problem)
    {
        log.LogWarning("Refused {Method} {Path} from {Identity}: {Status} {Problem}", context.Request.Method, context.Request.Path, context.Items[nameof(PeerResult)], status, problem);
        return Text(context, status, problem);
    }

    /// <summary>Answers <paramref name="body"/> as plain text (the original's content type).</summary>
    internal static Task Text(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = OriginalText;
        return context.Response.WriteAsync(body, context.RequestAborted);
    }
}
