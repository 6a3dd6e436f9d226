using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mplane.Components.Transport;
using Mplane.Protocol.Matching;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Tokens;
using Mplane.Security;

namespace Mplane.Components.Runtime;

/// <summary>Where and how a client-initiated component listens.</summary>
/// <param name="Endpoint">The address and port (<c>listen-port</c>; loopback unless configured).</param>
/// <param name="CapabilityLink">The <c>link</c> written into capabilities (<c>listen-cap-link</c>).</param>
/// <param name="Access">The <c>[Roles]</c> and <c>[Authorizations]</c>.</param>
/// <param name="Certificate">The server certificate, with <paramref name="Ca"/> the clients must chain to; null for plain HTTP.</param>
/// <param name="Ca">The clients' CA.</param>
/// <param name="Wait">How long a specification's answer waits for its result before the receipt is sent (5 s, as the reference).</param>
/// <param name="MaxResults">The outcomes a repeated specification's Envelope keeps, the last ones (<c>scheduler_max_results</c>; 0 keeps all).</param>
public sealed record ListenerSettings(
    IPEndPoint Endpoint, string CapabilityLink, AccessPolicy Access, X509Certificate2? Certificate = null, PrivateCa? Ca = null, TimeSpan? Wait = null, int MaxResults = 0);

/// <summary>
/// The client-initiated workflow, served as the reference's listener serves it: <c>GET /</c> and
/// <c>GET /capability</c> (HTML, the caller's capabilities only), <c>GET /capability/&lt;token&gt;</c>
/// (the capability, its link set), and <c>POST /</c> for specifications (the result if it comes within
/// the wait, else the receipt), redemptions and interrupts. Every mPlane reply is 200 and typed exactly
/// <c>application/x-mplane+json</c>. Callers are identified by their client certificate (mPlane's
/// dotted form) and authorized by label; unlike the reference, <c>/capability/&lt;token&gt;</c> is
/// authorized too.
/// </summary>
public static class ComponentListener
{
    /// <summary>Builds the server (the caller starts it).</summary>
    public static WebApplication Build(ListenerSettings settings, IReadOnlyList<IService> services, SpecificationCheck check, JobTable jobs, Action<ILoggingBuilder>? logging = null)
    {
        var builder = MplaneServer.CreateBuilder(settings.Endpoint, settings.Certificate, settings.Ca, logging);
        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ComponentListener));
        var wait = settings.Wait ?? TimeSpan.FromSeconds(5);
        string Identity(HttpContext context) => MplaneServer.Identity(context);
        // Without TLS the reference applies no authorization (there is no identity to authorize); the
        // listener then binds where its settings say, loopback by default.
        bool Allowed(HttpContext context, IService service) =>
            settings.Certificate is null || (service.Capability.Label is { } label && settings.Access.IsAllowed(Identity(context), label));
        Statement Linked(IService service) => service.Capability with { Link = settings.CapabilityLink };

        app.MapGet("/", (HttpContext context) => Html(context, "Capabilities",
            "<a href='/capability'>capabilities</a>" + string.Concat(services.Where(s => Allowed(context, s)).Select(s => $"<pre>{WebUtility.HtmlEncode(MessageCodec.Write(Linked(s)))}</pre>"))));
        app.MapGet("/capability", (HttpContext context) => Html(context, "Capabilities",
            string.Concat(services.Where(s => Allowed(context, s)).Select(s => $"<a href='/capability/{WebUtility.HtmlEncode(s.Capability.Token)}'>{WebUtility.HtmlEncode(s.Capability.Token)}</a><br/>"))));
        app.MapGet("/capability/{token}", (HttpContext context, string token) =>
            services.FirstOrDefault(s => s.Capability.Token == token) is { } service && Allowed(context, service)
                ? Reply(context, Linked(service))
                : Reply(context, Refused(context, token, "No such capability")));
        app.MapPost("/", async (HttpContext context) =>
        {
            Message? message;
            try
            {
                if ((message = await MplaneServer.ReadAsync(context).ConfigureAwait(false)) is null)
                {
                    log.LogWarning("Refused {Method} {Path} from {Identity}: {Status}, the content type is '{Type}'", context.Request.Method, context.Request.Path, Identity(context), context.Response.StatusCode, context.Request.ContentType);
                    return;
                }
            }
            catch (FormatException e)
            {
                await Reply(context, Refused(context, string.Empty, $"Invalid message: {e.Message}")).ConfigureAwait(false);
                return;
            }
            catch (BadHttpRequestException e)
            {
                // A body over the limit (or cut short): Kestrel's status, said here rather than as an unhandled error.
                log.LogWarning("Refused {Method} {Path} from {Identity}: {Status}, {Reason}", context.Request.Method, context.Request.Path, Identity(context), e.StatusCode, e.Message);
                context.Response.StatusCode = e.StatusCode;
                return;
            }

            await Reply(context, await AnswerAsync(message, context).ConfigureAwait(false)).ConfigureAwait(false);
        });
        app.Use(async (context, next) =>
        {
            await next(context).ConfigureAwait(false);
            if (context.GetEndpoint() is not RouteEndpoint && context.Response.StatusCode is 404 or 405)
            {
                log.LogWarning("Refused {Method} {Path} from {Identity}: {Status}", context.Request.Method, context.Request.Path, Identity(context), context.Response.StatusCode);
            }
        });
        return app;

        // A refusal is an mPlane exception (200, as the reference answers), and a line in the log.
        ExceptionMessage Refused(HttpContext context, string token, string reason)
        {
            log.LogWarning("Refused {Method} {Path} from {Identity}: {Reason}", context.Request.Method, context.Request.Path, Identity(context), reason);
            return new ExceptionMessage(token, reason);
        }

        async Task<Message> AnswerAsync(Message message, HttpContext context)
        {
            switch (message)
            {
                case Statement { Kind: MessageKind.Specification } specification:
                    var token = specification.Token ?? StatementHashes.Pv(specification.Registry, specification.Verb, specification.When, specification.Parameters, specification.Results);
                    var service = services.FirstOrDefault(s => SpecificationCheck.Targets(s.Capability, specification));
                    if (service is null)
                    {
                        return Refused(context, token, "No service registered for specification");
                    }

                    if (!Allowed(context, service))
                    {
                        return Refused(context, token, "User has no permission to request this capability");
                    }

                    if (check.Problems(service.Capability, specification, DateTimeOffset.UtcNow) is { Count: > 0 } problems)
                    {
                        return Refused(context, token, string.Join("; ", problems));
                    }

                    var receipt = specification with { Kind = MessageKind.Receipt, Token = token, Link = null, ResultValues = [] };
                    // The identity is read now: the request's context is gone by the time a later occurrence runs.
                    var requester = Identity(context);
                    if (jobs.Start(receipt, requester, ct => RepeatedRuns.RunAsync(specification with { Token = token }, (one, c) => RunAsync(service, one, requester, log, c), settings.MaxResults, ct), app.Lifetime.ApplicationStopping) is not { } job)
                    {
                        return Refused(context, token, "Token in use by another specification, or too many jobs");
                    }

                    await Task.WhenAny(job.Outcome, Task.Delay(wait, context.RequestAborted)).ConfigureAwait(false);
                    return jobs.Redeem(token, requester) ?? job.Reply; // a result answered now is forgotten now: no one will redeem it
                case Statement { Kind: MessageKind.Redemption, Token: { } redeemed }:
                    return jobs.Redeem(redeemed, Identity(context)) ?? Refused(context, redeemed, "Unknown job");
                case Statement { Kind: MessageKind.Interrupt, Token: { } interrupted }:
                    if (jobs.Find(interrupted, Identity(context)) is not { } running)
                    {
                        return Refused(context, interrupted, "Unknown job");
                    }

                    running.Interrupt();
                    return running.Reply;
                default:
                    return Refused(context, (message as Statement)?.Token ?? string.Empty, "Unexpected message type");
            }
        }
    }

    private static async Task<Message> RunAsync(IService service, Statement specification, string requester, ILogger log, CancellationToken cancellationToken)
    {
        try
        {
            return (await service.RunAsync(specification, requester, cancellationToken).ConfigureAwait(false)) with { Token = specification.Token };
        }
        catch (OperationCanceledException)
        {
            return new ExceptionMessage(specification.Token, "Interrupted");
        }
        catch (ServiceException e)
        {
            log.LogWarning("{Label} refused the specification {Token} of {Requester}: {Reason}", service.Capability.Label, specification.Token, requester, e.Message);
            return new ExceptionMessage(specification.Token, $"{service.Capability.Label}: {e.Message}");
        }
        catch (Exception e)
        {
            return new ExceptionMessage(specification.Token, $"{service.Capability.Label} failed: {e.GetType().Name}"); // details stay in the log, not with the peer
        }
    }

    private static Task Reply(HttpContext context, Message message) => MplaneServer.ReplyAsync(context, message);

    private static Task Html(HttpContext context, string title, string body)
    {
        context.Response.ContentType = "text/html"; // exactly, as the reference's crawler wants
        return context.Response.Body.WriteAsync(
            Encoding.UTF8.GetBytes($"<html><head><title>{title}</title></head><body>{body}</body></html>"), context.RequestAborted).AsTask();
    }
}
