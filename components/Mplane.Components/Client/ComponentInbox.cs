using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Mplane.Components.Runtime;
using Mplane.Components.Transport;
using Mplane.Protocol.Messages;
using Mplane.Security;
using Newtonsoft.Json.Linq;

namespace Mplane.Components.Client;

/// <summary>Where a client in the component-initiated workflow listens, from the reference's <c>[client]</c> keys.</summary>
/// <param name="Endpoint">The address and port (<c>listen-port</c>, default 8888; loopback unless configured).</param>
/// <param name="SpecificationLink">The <c>link</c> put into every specification (<c>listen-spec-link</c>): where results come back.</param>
/// <param name="RegistrationPath">Where components register (<c>registration-path</c>, default <c>/register/capability</c>).</param>
/// <param name="SpecificationPath">Where they poll (<c>specification-path</c>, default <c>/show/specification</c>).</param>
/// <param name="ResultPath">Where they post receipts and results (<c>result-path</c>, default <c>/register/result</c>).</param>
/// <param name="Certificate">This client's certificate, with <paramref name="Ca"/> the components must chain to; null for plain HTTP.</param>
/// <param name="Ca">The components' CA.</param>
/// <param name="Registrants">When set, which component identities may register which capabilities (<c>[Roles]</c> and <c>[Authorizations]</c> by label); else any component of the CA may.</param>
public sealed record InboxSettings(
    IPEndPoint Endpoint, Uri SpecificationLink, string RegistrationPath = "/register/capability", string SpecificationPath = "/show/specification",
    string ResultPath = "/register/result", X509Certificate2? Certificate = null, PrivateCa? Ca = null, AccessPolicy? Registrants = null);

/// <summary>A capability as a component registered it.</summary>
/// <param name="Component">The registering component's identity.</param>
/// <param name="Capability">The capability.</param>
public sealed record RegisteredCapability(string Component, Statement Capability);

/// <summary>
/// The client side of the component-initiated workflow, the endpoints the reference's client and
/// supervisor serve to components (its §3.2): components register an Envelope of capabilities, poll for
/// the specifications and interrupts queued for their identity, and post receipts, results and
/// exceptions. Answers are the reference's: the registration map, always an Envelope for a poll, 200
/// with an empty HTML body for a result. Unlike the reference, with TLS only certificates of the
/// private CA get in, registrants may be authorized by label, replies count only from the component a
/// specification was queued for, and the callback pseudo-capability is accepted but not offered.
/// </summary>
public sealed class ComponentInbox : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly InboxSettings _settings;
    private readonly ConcurrentDictionary<string, IReadOnlyList<Statement>> _capabilities = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Message>> _queued = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Component, Channel<Message> Replies)> _replies = new(StringComparer.Ordinal);
    private readonly Channel<RegisteredCapability> _registrations = Channel.CreateUnbounded<RegisteredCapability>();

    private ComponentInbox(InboxSettings settings, Action<ILoggingBuilder>? logging)
    {
        _settings = settings;
        _app = MplaneServer.CreateBuilder(settings.Endpoint, settings.Certificate, settings.Ca, logging).Build();
        foreach (var path in new[] { settings.RegistrationPath, settings.SpecificationPath, settings.ResultPath })
        {
            if (!path.StartsWith('/'))
            {
                throw new ArgumentException($"path '{path}' must start with '/'", nameof(settings));
            }
        }

        // Routing matches each path with or without a trailing '/', as the reference accepts.
        _app.MapPost(settings.RegistrationPath.TrimEnd('/'), RegisterAsync);
        _app.MapGet(settings.SpecificationPath.TrimEnd('/'), PollAsync);
        _app.MapPost(settings.ResultPath.TrimEnd('/'), ResultAsync);
    }

    /// <summary>Where the inbox listens.</summary>
    public Uri Address => new(_app.Urls.First());

    /// <summary>Every capability registered so far (the callback pseudo-capability left out).</summary>
    public IReadOnlyList<RegisteredCapability> Capabilities =>
        [.. _capabilities.SelectMany(c => c.Value.Select(capability => new RegisteredCapability(c.Key, capability)))];

    /// <summary>Starts an inbox.</summary>
    public static async Task<ComponentInbox> StartAsync(InboxSettings settings, CancellationToken cancellationToken, Action<ILoggingBuilder>? logging = null)
    {
        var inbox = new ComponentInbox(settings, logging);
        await inbox._app.StartAsync(cancellationToken).ConfigureAwait(false);
        return inbox;
    }

    /// <summary>Waits until a capability matching <paramref name="accept"/> is registered; returns it.</summary>
    /// <exception cref="TimeoutException">None came within <paramref name="timeout"/>.</exception>
    public async Task<RegisteredCapability> WaitForAsync(Func<RegisteredCapability, bool> accept, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            if (Capabilities.FirstOrDefault(accept) is { } known)
            {
                return known;
            }

            await foreach (var registered in _registrations.Reader.ReadAllAsync(deadline.Token).ConfigureAwait(false))
            {
                // Still registered: a later registration of the same component replaces its capabilities.
                if (accept(registered) && _capabilities.TryGetValue(registered.Component, out var current) && current.Contains(registered.Capability))
                {
                    return registered;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"no component registered a matching capability at {Address} within {timeout}");
    }

    /// <summary>
    /// Queues <paramref name="message"/> (a specification or an interrupt) for <paramref name="component"/>'s
    /// next poll; a specification gets this inbox's link, where its results come back.
    /// </summary>
    public void Queue(string component, Statement message)
    {
        var queued = message.Kind == MessageKind.Specification ? message with { Link = _settings.SpecificationLink.ToString() } : message;
        _replies.TryAdd(message.Token ?? string.Empty, (component, Channel.CreateUnbounded<Message>()));
        _queued.GetOrAdd(component, _ => new ConcurrentQueue<Message>()).Enqueue(queued);
    }

    /// <summary>The next message a component posted for <paramref name="token"/> (its receipt, then its result or exception).</summary>
    /// <exception cref="InvalidOperationException">Nothing was queued under <paramref name="token"/>.</exception>
    public ValueTask<Message> NextReplyAsync(string token, CancellationToken cancellationToken) =>
        _replies.TryGetValue(token, out var expected)
            ? expected.Replies.Reader.ReadAsync(cancellationToken)
            : throw new InvalidOperationException($"nothing was queued under token {token}");

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);

    private async Task RegisterAsync(HttpContext context)
    {
        var message = await ReadAsync(context).ConfigureAwait(false);
        if (message is null)
        {
            return;
        }

        var component = MplaneServer.Identity(context);
        var answers = new JObject();
        var offered = new List<Statement>();
        foreach (var item in message is Envelope envelope ? envelope.Contents : [message])
        {
            if (item is not Statement { Kind: MessageKind.Capability, Label: { Length: > 0 } label } capability)
            {
                answers[(item as Statement)?.Label ?? $"item-{answers.Count}"] = new JObject { ["registered"] = "no", ["reason"] = "Not a capability" };
            }
            else if (Callback.Is(capability))
            {
                answers[label] = new JObject { ["registered"] = "ok" }; // accepted, never offered
            }
            else if (_settings.Registrants is { } registrants && !registrants.IsAllowed(component, label))
            {
                answers[label] = new JObject { ["registered"] = "no", ["reason"] = "Not authorized" };
            }
            else
            {
                answers[label] = new JObject { ["registered"] = "ok" };
                offered.Add(capability);
            }
        }

        // A registration replaces the component's earlier one (it restarted, or its capabilities changed).
        _capabilities[component] = offered;
        foreach (var capability in offered)
        {
            _registrations.Writer.TryWrite(new RegisteredCapability(component, capability));
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = MessageCodec.ContentType;
        await context.Response.WriteAsync(answers.ToString(Newtonsoft.Json.Formatting.None), context.RequestAborted).ConfigureAwait(false);
    }

    private Task PollAsync(HttpContext context)
    {
        var pending = new List<Message>();
        if (_queued.TryGetValue(MplaneServer.Identity(context), out var queue))
        {
            while (queue.TryDequeue(out var message))
            {
                pending.Add(message);
            }
        }

        return MplaneServer.ReplyAsync(context, new Envelope(pending));
    }

    private async Task ResultAsync(HttpContext context)
    {
        var message = await ReadAsync(context).ConfigureAwait(false);
        if (message is null)
        {
            return;
        }

        var token = message switch
        {
            Statement statement => statement.Token,
            ExceptionMessage exception => exception.Token,
            Envelope envelope => envelope.Token,
            _ => null,
        };

        // Only replies to what this client asked, from the component it asked, are kept; anything else is acknowledged and dropped.
        if (token is not null && _replies.TryGetValue(token, out var expected) && expected.Component == MplaneServer.Identity(context))
        {
            expected.Replies.Writer.TryWrite(message);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/html; charset=UTF-8";
    }

    /// <summary>The request's message; null when refused (400 'Invalid format', as the reference).</summary>
    private static async Task<Message?> ReadAsync(HttpContext context)
    {
        try
        {
            return await MplaneServer.ReadAsync(context, StatusCodes.Status400BadRequest, "Invalid format").ConfigureAwait(false);
        }
        catch (FormatException e)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync($"Invalid format: {e.Message}", Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
            return null;
        }
    }
}
