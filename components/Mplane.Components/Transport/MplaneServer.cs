using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mplane.Protocol.Messages;
using Mplane.Security;

namespace Mplane.Components.Transport;

/// <summary>
/// What every mPlane server of this project shares: a slim ASP.NET Core host on one endpoint, mutual
/// TLS when a certificate is given (clients must present certificates of the private CA), the caller's
/// identity from its certificate, and mPlane replies typed exactly.
/// </summary>
public static class MplaneServer
{
    /// <summary>A builder listening on <paramref name="endpoint"/>, with mutual TLS when <paramref name="certificate"/> is set.</summary>
    public static WebApplicationBuilder CreateBuilder(IPEndPoint endpoint, X509Certificate2? certificate, PrivateCa? ca, Action<ILoggingBuilder>? logging = null)
    {
        // The content root in the program's folder and no configuration reload: by default the working
        // directory is watched recursively, which costs CPU for nothing.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 1 << 20;
            kestrel.Listen(endpoint, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = certificate;
                        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                        https.ClientCertificateValidation = (c, chain, _) =>
                        {
                            if (ca?.Trusts(c, chain) == true)
                            {
                                return true;
                            }

                            // The handshake fails: no request, so no other place to say why.
                            kestrel.ApplicationServices.GetService<ILoggerFactory>()?.CreateLogger(typeof(MplaneServer)).LogWarning(
                                "Refused a TLS client certificate: {Subject} (issuer {Issuer}) does not chain to the configured CA", c.Subject, c.Issuer);
                            return false;
                        };
                    });
                }
            });
        });
        return builder;
    }

    /// <summary>The caller's mPlane identity: its certificate subject, or the unauthenticated identity without TLS.</summary>
    public static string Identity(HttpContext context) =>
        context.Connection.ClientCertificate is { } certificate ? MplaneIdentity.Of(certificate) : MplaneIdentity.Unauthenticated;

    /// <summary>Answers <paramref name="message"/>: 200, exactly <c>application/x-mplane+json</c>.</summary>
    public static Task ReplyAsync(HttpContext context, Message message)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = MessageCodec.ContentType; // exactly: no charset
        return context.Response.WriteAsync(MessageCodec.Write(message), context.RequestAborted);
    }

    /// <summary>Reads the request's mPlane message; null (and the answer sent) when its content type is not exactly mPlane's.</summary>
    /// <exception cref="FormatException">The body is not an mPlane message.</exception>
    public static async Task<Message?> ReadAsync(HttpContext context, int refusedStatus = StatusCodes.Status415UnsupportedMediaType, string refusal = "")
    {
        if (context.Request.ContentType != MessageCodec.ContentType)
        {
            context.Response.StatusCode = refusedStatus;
            await context.Response.WriteAsync(refusal.Length > 0 ? refusal : $"mPlane messages are {MessageCodec.ContentType}", context.RequestAborted).ConfigureAwait(false);
            return null;
        }

        using var reader = new StreamReader(context.Request.Body, System.Text.Encoding.UTF8);
        return MessageCodec.Parse(await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false));
    }
}
