using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Mplane.Components.Transport;
using Mplane.Protocol.Matching;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Temporal;
using Mplane.Protocol.Tokens;
using Newtonsoft.Json.Linq;
using Polly;
using Polly.Retry;

namespace Mplane.Components.Runtime;

/// <summary>
/// The component-initiated workflow towards a supervisor, as the reference's supervisor expects it:
/// register an envelope of the capabilities the supervisor's identity may use (with TLS; the reference
/// applies no authorization without it) plus the <c>callback</c> pseudo-capability; poll for
/// specifications; answer each with a receipt, or an exception saying why it cannot run; post the
/// result when the service has finished. Unlike the reference it retries instead of dying when the
/// supervisor is away, and registers again when the supervisor comes back (it forgets registrations
/// when it restarts).
/// </summary>
public sealed class SupervisorClient(
    ComponentSettings settings, IReadOnlyList<IService> services, HttpClient http, SpecificationCheck check, string supervisorIdentity, ILogger<SupervisorClient> logger)
{
    /// <summary>The longest a callback may defer the next poll: a supervisor that forgets us must not silence us for days.</summary>
    public static readonly TimeSpan MaxCallbackDelay = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (Statement Receipt, CancellationTokenSource Interrupt)> _jobs = new(StringComparer.Ordinal);
    private bool _registered;
    private TimeSpan? _nextPoll;

    /// <summary>The delay before the next poll, when a callback asked for one.</summary>
    public TimeSpan? NextPoll => _nextPoll;

    /// <summary>The services the supervisor's identity may use.</summary>
    public IReadOnlyList<IService> Offered =>
        [.. services.Where(s => !settings.Tls || (s.Capability.Label is { } label && settings.Access.IsAllowed(supervisorIdentity, label)))];

    /// <summary>Registers the offered capabilities; returns each label's answer (<c>ok</c>, or the supervisor's reason).</summary>
    /// <exception cref="InvalidOperationException">No capability may be offered, or the supervisor refused the registration.</exception>
    public async Task<IReadOnlyDictionary<string, string>> RegisterAsync(CancellationToken cancellationToken)
    {
        var offered = Offered;
        if (offered.Count == 0)
        {
            throw new NothingToOfferException($"no capability is authorized for the supervisor's identity {supervisorIdentity} ([Authorizations])");
        }

        var registry = offered[0].Capability.Registry;
        var callback = Callback.Capability(registry);
        var envelope = new Envelope([.. offered.Select(s => s.Capability with { Link = string.Empty }), callback]);
        using var response = await http.PostAsync(new Uri(settings.Supervisor, settings.RegistrationPath), MplaneHttp.Content(envelope), cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"the supervisor refused the registration ({(int)response.StatusCode}: {body})");
        }

        JObject answers;
        try
        {
            answers = JObject.Parse(body);
        }
        catch (Newtonsoft.Json.JsonException e)
        {
            throw new InvalidOperationException($"the supervisor's answer to the registration is not a JSON object: {e.Message}", e);
        }

        var result = answers.Properties().ToDictionary(
            p => p.Name,
            p => (string?)p.Value["registered"] == "ok" ? "ok" : (string?)p.Value["reason"] ?? "refused",
            StringComparer.Ordinal);
        foreach (var (label, answer) in result.Where(r => r.Value != "ok"))
        {
            logger.LogWarning("The supervisor did not register {Label}: {Reason}", label, answer);
        }

        _registered = true;
        return result;
    }

    /// <summary>Asks the supervisor once for specifications and answers each; returns how many were answered.</summary>
    public async Task<int> PollOnceAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(settings.Supervisor, settings.SpecificationPath), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == (HttpStatusCode)428)
        {
            _registered = false; // the supervisor does not know us (any more)
            return 0;
        }

        if (!MplaneHttp.IsMessage(response))
        {
            return 0; // nothing for us (204, 404...)
        }

        var answered = 0;
        var message = await MplaneHttp.ReadAsync(response, cancellationToken).ConfigureAwait(false);
        foreach (var item in message is Envelope envelope ? envelope.Contents : [message])
        {
            if (item is Statement { Kind: MessageKind.Interrupt } interrupt)
            {
                await InterruptAsync(interrupt, cancellationToken).ConfigureAwait(false);
                answered++;
            }
            else if (item is Statement { Kind: MessageKind.Specification } callback && Callback.Is(callback))
            {
                // The supervisor asks to be polled again at the end of the callback's scope. Unlike the
                // reference, the rest of the envelope is still answered rather than dropped.
                _nextPoll = CallbackDelay(callback);
            }
            else if (item is Statement { Kind: MessageKind.Specification } specification)
            {
                try
                {
                    await AnswerAsync(specification, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException && e is not HttpRequestException)
                {
                    // One bad specification must not cost the others of the envelope.
                    logger.LogWarning("Specification {Label} could not be handled: {Error}", specification.Label, e.Message);
                    await PostAsync(new ExceptionMessage(specification.Token ?? string.Empty, "Invalid message"), cancellationToken).ConfigureAwait(false);
                }

                answered++;
            }
        }

        return answered;
    }

    /// <summary>Registers (again when needed) and polls until cancelled, retrying while the supervisor is away.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                // Everything but the caller's own cancellation: the loop must not die on a bad answer.
                // A configuration that offers nothing is not retried: nothing will change until it does.
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not NothingToOfferException && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.PollInterval,
                MaxDelay = TimeSpan.FromMinutes(1),
                OnRetry = args =>
                {
                    _registered = false; // it may have restarted: register again when it answers
                    logger.LogWarning("Supervisor {Supervisor} not available ({Error}); retrying in {Delay}", settings.Supervisor, args.Outcome.Exception?.Message, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        while (!cancellationToken.IsCancellationRequested)
        {
            await retry.ExecuteAsync(
                async ct =>
                {
                    if (!_registered)
                    {
                        await RegisterAsync(ct).ConfigureAwait(false);
                    }

                    await PollOnceAsync(ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            var delay = _nextPoll ?? settings.PollInterval;
            _nextPoll = null;
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    private TimeSpan CallbackDelay(Statement callback)
    {
        try
        {
            var now = DateTimeOffset.UtcNow;
            var (_, end) = When.Parse(callback.When).Evaluate(now);
            var delay = end is { } e ? e - now : settings.PollInterval;
            return delay < TimeSpan.Zero ? TimeSpan.Zero : delay > MaxCallbackDelay ? MaxCallbackDelay : delay;
        }
        catch (FormatException e)
        {
            logger.LogWarning("Callback with a malformed scope '{When}' ignored: {Error}", callback.When, e.Message);
            return settings.PollInterval;
        }
    }

    private static readonly ResiliencePipeline ResultDelivery = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>(),
            MaxRetryAttempts = 10,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromMinutes(1),
        })
        .Build();

    /// <summary>Waits for every running service to have delivered its result (tests, shutdown).</summary>
    public Task DrainAsync() => Task.WhenAll(_running.Values);

    private async Task AnswerAsync(Statement specification, CancellationToken cancellationToken)
    {
        var token = specification.Token ?? StatementHashes.Pv(
            specification.Registry, specification.Verb, specification.When, specification.Parameters, specification.Results);
        var service = services.FirstOrDefault(s => SpecificationCheck.Targets(s.Capability, specification));
        var refusal = service is null ? $"no service for {specification.Label}"
            : !Offered.Contains(service) ? $"no permission: {supervisorIdentity} may not use {service.Capability.Label}"
            : check.Problems(service.Capability, specification, DateTimeOffset.UtcNow) is { Count: > 0 } problems ? string.Join("; ", problems)
            : null;
        if (refusal is not null)
        {
            logger.LogWarning("Specification {Label} ({Token}) refused: {Reason}", specification.Label, token, refusal);
            await PostAsync(new ExceptionMessage(token, refusal), cancellationToken).ConfigureAwait(false);
            return;
        }

        var receipt = specification with { Kind = MessageKind.Receipt, Token = token, Link = null, ResultValues = [] };
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = Task.Run(
            async () =>
            {
                await started.Task.ConfigureAwait(false);
                await RunServiceAsync(service!, specification with { Token = token }, interrupt, cancellationToken).ConfigureAwait(false);
            },
            CancellationToken.None);
        if (!_running.TryAdd(token, run))
        {
            started.SetCanceled(CancellationToken.None);
            interrupt.Dispose();
            return; // the same token runs once (the reference returns the first receipt and runs nothing)
        }

        _jobs[token] = (receipt, interrupt);

        await PostAsync(receipt, cancellationToken).ConfigureAwait(false);
        started.SetResult();
    }

    private async Task<Message> RunOneAsync(IService service, Statement specification, CancellationTokenSource interrupt, CancellationToken cancellationToken)
    {
        try
        {
            return (await service.RunAsync(specification, supervisorIdentity, interrupt.Token).ConfigureAwait(false)) with { Token = specification.Token };
        }
        catch (ServiceException e)
        {
            logger.LogWarning("{Label} refused: {Error}", specification.Label, e.Message);
            return new ExceptionMessage(specification.Token, $"{service.Capability.Label}: {e.Message}");
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new ExceptionMessage(specification.Token, "Interrupted");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError("{Label} failed: {Error}", specification.Label, e.Message);
            return new ExceptionMessage(specification.Token, $"{service.Capability.Label} failed: {e.GetType().Name}");
        }
    }

    private async Task RunServiceAsync(IService service, Statement specification, CancellationTokenSource interrupt, CancellationToken cancellationToken)
    {
        try
        {
            Message outcome;
            try
            {
                outcome = await RepeatedRuns.RunAsync(
                    specification, (one, _) => RunOneAsync(service, one, interrupt, cancellationToken), settings.MaxResults, interrupt.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Whatever went wrong, the supervisor gets an answer for the token rather than waiting for ever.
                logger.LogError("{Label} failed: {Error}", specification.Label, e.Message);
                outcome = new ExceptionMessage(specification.Token, $"{service.Capability.Label} failed: {e.GetType().Name}");
            }

            // The result is retried while the supervisor is away: it is all the client will get.
            await ResultDelivery.ExecuteAsync(async ct => await PostAsync(outcome, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError("The result of {Label} could not be delivered: {Error}", specification.Label, e.Message);
        }
        finally
        {
            _running.TryRemove(specification.Token!, out _);
            if (_jobs.TryRemove(specification.Token!, out var job))
            {
                job.Interrupt.Dispose();
            }
        }
    }

    /// <summary>Stops the job the interrupt names and answers with its current reply (the receipt), or "Unknown job".</summary>
    private async Task InterruptAsync(Statement interrupt, CancellationToken cancellationToken)
    {
        if (interrupt.Token is { } token && _jobs.TryGetValue(token, out var job))
        {
            try
            {
                await job.Interrupt.CancelAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                // It finished meanwhile: its result is on its way.
            }

            await PostAsync(job.Receipt, cancellationToken).ConfigureAwait(false);
            return;
        }

        await PostAsync(new ExceptionMessage(interrupt.Token ?? string.Empty, "Unknown job"), cancellationToken).ConfigureAwait(false);
    }

    private async Task PostAsync(Message message, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(new Uri(settings.Supervisor, settings.ResultPath), MplaneHttp.Content(message), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            logger.LogWarning("The supervisor answered {Status} to a {Kind}", (int)response.StatusCode, message.Kind);
        }
    }
}

/// <summary>No capability may be offered to the supervisor's identity: the component has nothing to do there (the reference exits).</summary>
public sealed class NothingToOfferException(string message) : InvalidOperationException(message);
