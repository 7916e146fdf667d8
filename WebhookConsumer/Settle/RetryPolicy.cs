using Jetstream.Storage;
using Jetstream.Grains.Interfaces.Retries;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer.Settle;

/// <summary>
/// Decides what a failed attempt leads to: the event's next attempt time (schedule step with jitter, or a longer
/// <c>Retry-After</c>) or the dead-letter queue when the schedule is spent or the receiver refuses the request for good.
/// A failure that is the endpoint's (<see cref="DeliveryResult.Endpoint"/>) spends no attempt: the event waits for the
/// endpoint instead (the circuit's next probe, or while the circuit is still closed a wait as long as it has been
/// failing, from <c>Webhook:CircuitBreakDuration</c> to <c>Webhook:CircuitMaxBreakDuration</c>), and only an outage
/// longer than the schedule's total (<see cref="WebhookOptions.OutageLimit"/>, counted from its first attempt)
/// dead-letters it.
/// </summary>
/// <param name="jitter">A number in [0, 1) for each delay's jitter (<c>Webhook:RetryJitter</c>); tests pass their own.</param>
internal sealed class RetryPolicy(IOptions<WebhookOptions> options, Func<double>? jitter = null)
{
    private readonly WebhookOptions _options = options.Value;
    private readonly Backoff _endpointWait = Backoff.Doubling(options.Value.CircuitBreakDuration, options.Value.CircuitMaxBreakDuration, Jitter.Stretch(options.Value.RetryJitter), jitter);
    private Backoff? _schedule;

    // Made when first needed: options built in code may set the schedule after construction.
    private Backoff Schedule => _schedule ??= Backoff.Steps(_options.RetrySchedule, Jitter.Stretch(_options.RetryJitter), jitter);

    /// <summary>The event with this attempt recorded; <paramref name="deadLetter"/> says whether its retries are over.</summary>
    /// <param name="circuitOpenUntil">The endpoint circuit's next probe while it is open; an endpoint failure waits for it.</param>
    public QueuedEvent AfterFailure(QueuedEvent queuedEvent, DeliveryResult result, DateTimeOffset now, out bool deadLetter, DateTimeOffset? circuitOpenUntil = null)
    {
        if (result.Endpoint)
        {
            return AfterEndpointFailure(queuedEvent, result, now, circuitOpenUntil, out deadLetter);
        }

        var attempts = queuedEvent.Attempts + 1;
        var updated = queuedEvent with
        {
            Attempts = attempts,
            FirstAttemptAt = queuedEvent.FirstAttemptAt ?? now,
            LastStatus = result.Status,
            LastError = Trim(result.Error),
            NotBefore = null,
        };

        var refused = result.Status is >= 400 and < 500 and not 408 and not 429 && attempts >= _options.ClientErrorMaxAttempts;
        deadLetter = result.Permanent || refused || attempts >= _options.MaxAttempts;
        if (deadLetter)
        {
            return updated;
        }

        var delay = Schedule.After(attempts, result.RetryAfter, _options.MaxRetryAfter);

        return updated with { NotBefore = now + delay };
    }

    /// <summary>
    /// An event the open circuit keeps from being sent: no attempt, nothing recorded but the start of its wait
    /// (<c>firstAttemptAt</c>, if it had none), and dead-lettered only once that is longer ago than the outage limit.
    /// </summary>
    public QueuedEvent HeldByCircuit(QueuedEvent queuedEvent, DateTimeOffset now, string? circuitError, out bool deadLetter)
    {
        var updated = queuedEvent.FirstAttemptAt is null ? queuedEvent with { FirstAttemptAt = now } : queuedEvent;
        deadLetter = now - updated.FirstAttemptAt!.Value >= _options.OutageLimit;
        return deadLetter ? updated with { LastError = OutageError(circuitError ?? queuedEvent.LastError ?? "the endpoint's circuit is open", now - updated.FirstAttemptAt.Value) } : updated;
    }

    private QueuedEvent AfterEndpointFailure(QueuedEvent queuedEvent, DeliveryResult result, DateTimeOffset now, DateTimeOffset? circuitOpenUntil, out bool deadLetter)
    {
        var first = queuedEvent.FirstAttemptAt ?? now;
        var failingFor = now - first;
        var updated = queuedEvent with
        {
            FirstAttemptAt = first,
            LastStatus = result.Status,
            LastError = Trim(result.Error),
            NotBefore = null,
        };

        deadLetter = queuedEvent.FirstAttemptAt is not null && failingFor >= _options.OutageLimit;
        if (deadLetter)
        {
            return updated with { LastError = OutageError(result.Error, failingFor) };
        }

        if (circuitOpenUntil is { } probeAt && probeAt > now)
        {
            return updated with { NotBefore = probeAt };
        }

        // Doubling without a counter: each wait is as long as the event has been failing, within the circuit's bounds.
        var delay = _endpointWait.AfterFailingFor(failingFor, result.RetryAfter, _options.MaxRetryAfter);

        return updated with { NotBefore = now + delay };
    }

    private string OutageError(string? error, TimeSpan failingFor) =>
        Trim($"{error} (the endpoint failed for {failingFor:d\\.hh\\:mm\\:ss}, longer than Webhook:RetrySchedule's total {_options.OutageLimit:d\\.hh\\:mm\\:ss}; endpoint failures spend no attempts)")!;

    private static string? Trim(string? error) => error is { Length: > DeadLetterQueue.MaxErrorLength } ? error[..DeadLetterQueue.MaxErrorLength] : error;
}
