using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Mplane.Math.Transfer;

namespace Mplane.Math.Repo;

/// <summary>
/// The collections endpoints (<see cref="CollectionProtocol"/>): <c>POST</c> opens, <c>GET {id}</c>
/// reports, <c>DELETE {id}</c> ends. Every request needs an identity authorized for
/// <see cref="CollectionProtocol.Label"/> (default deny); a collection is then read and ended only
/// by the identity that opened it. Answers are JSON reports; refusals are text naming what is wrong.
/// </summary>
internal static class CollectionEndpoints
{
    /// <summary>The largest request body read: a request is three short fields.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>Maps the endpoints on <paramref name="app"/>.</summary>
    public static void Map(WebApplication app, RepoSettings settings, CollectionRegistry collections, ILogger log)
    {
        var one = CollectionProtocol.Path + "/{id}";
        app.MapPost(CollectionProtocol.Path, (HttpContext context) => Authorized(context, settings, log, () => OpenAsync(context, collections, log)));
        app.MapGet(one, (HttpContext context, string id) => Authorized(context, settings, log, () => Owned(context, id, collections, log, collection =>
            RepoServer.Json(context, collections.Report(collection)))));
        app.MapDelete(one, (HttpContext context, string id) => Authorized(context, settings, log, () => Owned(context, id, collections, log, async collection =>
        {
            var ended = await collections.EndAsync(collection.Id, context.RequestAborted).ConfigureAwait(false) ?? collection;
            log.LogInformation("Collection {Id} for {Requester} ended by {Identity}", ended.Id, ended.Requester, RepoServer.Identity(context));
            await RepoServer.Json(context, collections.Report(ended)).ConfigureAwait(false);
        })));
    }

    private static async Task OpenAsync(HttpContext context, CollectionRegistry collections, ILogger log)
    {
        if (context.Request.ContentType is not null && !context.Request.HasJsonContentType())
        {
            await RepoServer.Refuse(context, log, 415, "a collection request must be JSON (application/json)").ConfigureAwait(false);
            return;
        }

        var body = await LimitedText.ReadAsync(context.Request.Body, MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            await RepoServer.Refuse(context, log, 413, $"a collection request is at most {MaxBodyBytes} bytes").ConfigureAwait(false);
            return;
        }

        CollectionRequest request;
        try
        {
            request = CollectionRequestReader.Parse(body);
        }
        catch (FormatException e)
        {
            log.LogWarning("Refused a collection from {Identity}: {Problem}", RepoServer.Identity(context), e.Message);
            await RepoServer.Text(context, 400, e.Message).ConfigureAwait(false);
            return;
        }

        Collection collection;
        try
        {
            collection = await collections.OpenAsync(request.Start, request.End, request.Requester, RepoServer.Identity(context), context.RequestAborted).ConfigureAwait(false);
        }
        catch (CollectionsFullException e)
        {
            log.LogWarning("Refused a collection from {Identity}: {Problem}", RepoServer.Identity(context), e.Message);
            await RepoServer.Text(context, 503, e.Message).ConfigureAwait(false);
            return;
        }
        catch (IOException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            log.LogError("A collection from {Identity} cannot be saved: {Problem}", RepoServer.Identity(context), e.Message);
            await RepoServer.Text(context, 503, "the repository cannot record the collection now; retry later").ConfigureAwait(false);
            return;
        }

        log.LogInformation(
            "Collection {Id} opened by {Identity} for {Requester}: {Start:O} to {End}",
            collection.Id, collection.Opener, collection.Requester, collection.Start, collection.End?.ToString("O") ?? "its end");
        context.Response.Headers.Location = $"{CollectionProtocol.Path}/{collection.Id}";
        await RepoServer.Json(context, collections.Report(collection), status: 201).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="action"/> for an identity authorized for the collections' label; 403 otherwise.</summary>
    private static Task Authorized(HttpContext context, RepoSettings settings, ILogger log, Func<Task> action)
    {
        var identity = RepoServer.Identity(context);
        if (settings.Access.IsAllowed(identity, CollectionProtocol.Label))
        {
            return action();
        }

        log.LogWarning("Refused {Method} {Path}: identity {Identity} is not authorized for {Label}", context.Request.Method, context.Request.Path, identity, CollectionProtocol.Label);
        return RepoServer.Text(context, 403, $"identity {identity} may not use collections ({CollectionProtocol.Label} is not authorized for it)");
    }

    /// <summary>Runs <paramref name="action"/> on collection <paramref name="id"/> when it exists and the caller opened it.</summary>
    private static Task Owned(HttpContext context, string id, CollectionRegistry collections, ILogger log, Func<Collection, Task> action)
    {
        if (!Collection.IsId(id))
        {
            return RepoServer.Refuse(context, log, 400, "a collection id is 32 lower-case hex digits");
        }

        var collection = collections.Find(id);
        if (collection is null)
        {
            return RepoServer.Refuse(context, log, 404, $"collection {id} is not known (never opened, or dropped long after it ended)");
        }

        return collection.Opener == RepoServer.Identity(context)
            ? action(collection)
            : RepoServer.Refuse(context, log, 403, $"collection {id} was opened by another identity; only it may read or end it");
    }
}
