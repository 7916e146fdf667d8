using Jetstream.EventQueue;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// Decides what a failed attempt leads to: the event's next attempt time (schedule step with jitter, or a longer
/// <c>Retry-After</c>) or the dead-letter queue when the schedule is spent or the receiver refuses the request for good.
/// </summary>
internal sealed class RetryPolicy(IOptions<WebhookOptions> options)
{
    private readonly WebhookOptions _options = options.Value;

    /// <summary>The event with this attempt recorded; <paramref name="deadLetter"/> says whether its retries are over.</summary>
    public QueuedEvent AfterFailure(QueuedEvent queuedEvent, DeliveryResult result, DateTimeOffset now, out bool deadLetter)
    {
        var attempts = queuedEvent.Attempts + 1;
        var updated = queuedEvent with
        {
            Attempts = attempts,
            FirstAttemptAt = queuedEvent.FirstAttemptAt ?? now,
            LastStatus = result.Status,
            LastError = result.Error is { Length: > DeadLetterQueue.MaxErrorLength } error ? error[..DeadLetterQueue.MaxErrorLength] : result.Error,
            NotBefore = null,
        };

        var refused = result.Status is >= 400 and < 500 and not 408 and not 429 && attempts >= _options.ClientErrorMaxAttempts;
        deadLetter = result.Permanent || refused || attempts >= _options.MaxAttempts;
        if (deadLetter)
        {
            return updated;
        }

        var step = _options.RetrySchedule[attempts - 1];
        var delay = step * (1 + (_options.RetryJitter * Random.Shared.NextDouble()));
        if (result.RetryAfter is { } retryAfter)
        {
            var honoured = retryAfter < _options.MaxRetryAfter ? retryAfter : _options.MaxRetryAfter;
            delay = honoured > delay ? honoured : delay;
        }

        return updated with { NotBefore = now + delay };
    }
}
