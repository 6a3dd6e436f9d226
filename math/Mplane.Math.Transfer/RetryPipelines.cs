using Polly;
using Polly.Retry;

namespace Mplane.Math.Transfer;

/// <summary>
/// The one retry policy of MATH (Polly): exponential backoff with jitter from a first delay up to a
/// minute, for ever unless bounded; used for uploads, registrations and pull polls, so that a peer
/// that is away for hours is caught up with once it is back, without hammering it meanwhile.
/// </summary>
public static class RetryPipelines
{
    /// <summary>The longest wait between two attempts.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(1);

    /// <summary>A pipeline retrying what <paramref name="retryable"/> accepts, reporting each retry to <paramref name="onRetry"/>.</summary>
    public static ResiliencePipeline Backoff(Func<Exception, bool> retryable, Action<Exception?, TimeSpan> onRetry, int? maxAttempts = null, TimeSpan? firstDelay = null) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle(retryable),
                MaxRetryAttempts = maxAttempts ?? int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = firstDelay ?? TimeSpan.FromSeconds(1),
                MaxDelay = MaxDelay,
                OnRetry = args =>
                {
                    onRetry(args.Outcome.Exception, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
}
