using Jetstream.Storage.Circuits;
using Jetstream.Storage;
using Jetstream.Grains.Interfaces.Retries;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Polly.CircuitBreaker;
using Polly;

namespace Jetstream.WebhookConsumer.Circuit;

/// <summary>
/// One subscription's webhook endpoint as Polly's circuit breaker sees it. Requests go through <see cref="SendAsync"/>;
/// failures that are the endpoint's (<see cref="DeliveryResult.Endpoint"/>) count, every other answer (2xx, and the
/// 4xx/5xx a receiver gives one event) counts as the endpoint working. When they reach
/// <c>Webhook:CircuitFailureRatio</c> of at least <c>Webhook:CircuitMinimumThroughput</c> requests within
/// <c>Webhook:CircuitSamplingDuration</c> the circuit opens: nothing is sent until the break is over, then one request
/// goes out as the probe (Polly lets one through half-open and refuses the rest), and the break doubles from
/// <c>Webhook:CircuitBreakDuration</c> up to <c>Webhook:CircuitMaxBreakDuration</c> with every failed probe. A
/// successful probe closes it. <see cref="WaitAsync"/> tells the scheduler whether to send, to hold an event until the
/// next probe, and makes the events that come during a probe wait for its answer instead of being refused one by one.
/// </summary>
internal sealed class EndpointCircuit
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    private readonly ResiliencePipeline<DeliveryResult> _pipeline;
    private readonly CircuitBreakerStateProvider _stateProvider = new();
    private readonly TimeProvider _timeProvider;
    private readonly WebhookOptions _options;
    private readonly Backoff _breaks;
    private readonly Action<EndpointCircuit>? _changed;
    private readonly string[] _redactions;
    private readonly Lock _lock = new();
    private TaskCompletionSource _transition = NewTransition();
    private EndpointCircuitSnapshot _snapshot;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private TimeSpan? _retryAfter;
    private long _probeAtTicks;

    /// <param name="url">The webhook URL; its user info and query never appear in <see cref="Snapshot"/>.</param>
    /// <param name="changed">Called after every transition (on Polly's callback thread).</param>
    public EndpointCircuit(string subscriptionId, string url, WebhookOptions options, TimeProvider timeProvider, Action<EndpointCircuit>? changed = null)
    {
        SubscriptionId = subscriptionId;
        Url = url;
        _options = options;
        _breaks = Backoff.Doubling(options.CircuitBreakDuration, options.CircuitMaxBreakDuration);
        _timeProvider = timeProvider;
        _changed = changed;
        _redactions = Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? new[] { uri.UserInfo, uri.Query.TrimStart('?') }.Where(part => part.Length > 0).ToArray()
            : [];
        _snapshot = new EndpointCircuitSnapshot(EndpointCircuitState.Closed, timeProvider.GetUtcNow(), null, null, null);
        _pipeline = new ResiliencePipelineBuilder<DeliveryResult> { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<DeliveryResult>
            {
                FailureRatio = options.CircuitFailureRatio,
                MinimumThroughput = options.CircuitMinimumThroughput,
                SamplingDuration = options.CircuitSamplingDuration,
                BreakDuration = options.CircuitBreakDuration,
                BreakDurationGenerator = NextBreak,
                StateProvider = _stateProvider,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Endpoint: true } result && Failed(result)),
                OnOpened = _ => Transition(EndpointCircuitState.Open),
                OnHalfOpened = _ => Transition(EndpointCircuitState.HalfOpen),
                OnClosed = _ => Transition(EndpointCircuitState.Closed),
            })
            .Build();
    }

    public string SubscriptionId { get; }

    /// <summary>The URL this circuit is for; a subscription whose URL changes gets a new circuit.</summary>
    public string Url { get; }

    public EndpointCircuitSnapshot Snapshot
    {
        get
        {
            lock (_lock)
            {
                return _snapshot;
            }
        }
    }

    /// <summary>Polly's state right now (the snapshot follows it a moment later, from its callbacks).</summary>
    public EndpointCircuitState State => _stateProvider.CircuitState switch
    {
        CircuitState.Closed => EndpointCircuitState.Closed,
        CircuitState.HalfOpen => EndpointCircuitState.HalfOpen,
        _ => EndpointCircuitState.Open,
    };

    /// <summary>While open: when the break ends and the next request may go out as the probe.</summary>
    public DateTimeOffset ProbeAt => new(Interlocked.Read(ref _probeAtTicks), TimeSpan.Zero);

    /// <summary>
    /// The one reading of "open until the probe": the next probe while the circuit is open, else null (closed, or half
    /// open with the probe on its way). An endpoint failure waits for it, and so does whatever is kept for it.
    /// </summary>
    public DateTimeOffset? OpenUntil => State == EndpointCircuitState.Open ? ProbeAt : null;

    /// <summary>
    /// Whether the loop may receive its next batch ahead, during this one's delivery: only while closed. Open (messages
    /// kept in hand for <see cref="OpenUntil"/>) or with the probe on its way, the queue behind the messages in hand
    /// stays untouched until the probe has answered.
    /// </summary>
    public bool ReceivesAhead => State == EndpointCircuitState.Closed;

    /// <summary>
    /// Null: send now (closed, or the break is over and this request may be the probe). A time: the circuit is open, keep
    /// the event until then. While a probe is on its way this waits for its answer, up to <paramref name="deadline"/>
    /// (after which it answers now: too late in the batch to start a request).
    /// </summary>
    public async ValueTask<DateTimeOffset?> WaitAsync(DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        // Asked before every request: while closed (nearly always) it answers without the lock or the clock.
        if (State == EndpointCircuitState.Closed)
        {
            return null;
        }

        while (true)
        {
            // Taken before the state is read, so a transition between the two still wakes this wait.
            Task transition;
            lock (_lock)
            {
                transition = _transition.Task;
            }

            var now = _timeProvider.GetUtcNow();
            switch (State)
            {
                case EndpointCircuitState.Closed:
                    return null;
                case EndpointCircuitState.Open:
                    return OpenUntil is { } probeAt && probeAt > now ? probeAt : null;
                default:
                    if (now >= deadline)
                    {
                        return now;
                    }

                    try
                    {
                        // Capped: a timer cannot wait longer than about 49 days; a far deadline just looks again then.
                        var wait = deadline - now;
                        await transition.WaitAsync(wait < MaxWait ? wait : MaxWait, _timeProvider, cancellationToken);
                    }
                    catch (TimeoutException)
                    {
                        var after = _timeProvider.GetUtcNow();
                        if (after >= deadline)
                        {
                            return after;
                        }
                    }

                    break;
            }
        }
    }

    /// <summary>Sends through the circuit; null when it refused to (open, or another request is the probe).</summary>
    public async ValueTask<DeliveryResult?> SendAsync<TState>(Func<TState, CancellationToken, Task<DeliveryResult>> send, TState state, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            var outcome = await _pipeline.ExecuteOutcomeAsync(
                static async (context, call) => Outcome.FromResult(await call.Send(call.State, context.CancellationToken).ConfigureAwait(false)),
                context,
                (Send: send, State: state));
            if (outcome.Exception is BrokenCircuitException)
            {
                return null;
            }

            outcome.ThrowIfException();
            return outcome.Result;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>The error text without the URL's user info or query, which may carry credentials.</summary>
    public string Redact(string error)
    {
        foreach (var part in _redactions)
        {
            error = error.Replace(part, "***", StringComparison.Ordinal);
        }

        return error.Length > DeadLetterQueue.MaxErrorLength ? error[..DeadLetterQueue.MaxErrorLength] : error;
    }

    private bool Failed(DeliveryResult result)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            _lastError = result.Error is { } error ? Redact(error) : null;
            _lastErrorAt = now;
            _retryAfter = result.RetryAfter;
        }

        return true;
    }

    /// <summary>
    /// Doubling from the first break to the cap; a longer <c>Retry-After</c> from the endpoint is honoured (up to
    /// <c>Webhook:MaxRetryAfter</c>). Called under Polly's lock just before the state turns open, so
    /// <see cref="ProbeAt"/> is right whenever the state reads open.
    /// </summary>
    private ValueTask<TimeSpan> NextBreak(BreakDurationGeneratorArguments args)
    {
        TimeSpan? retryAfter;
        lock (_lock)
        {
            retryAfter = _retryAfter;
        }

        var duration = _breaks.After(args.HalfOpenAttempts + 1, retryAfter, _options.MaxRetryAfter);
        Interlocked.Exchange(ref _probeAtTicks, (_timeProvider.GetUtcNow() + duration).UtcTicks);
        return ValueTask.FromResult(duration);
    }

    private ValueTask Transition(EndpointCircuitState state)
    {
        TaskCompletionSource transition;
        lock (_lock)
        {
            var now = _timeProvider.GetUtcNow();
            var since = state == EndpointCircuitState.Closed || _snapshot.State == EndpointCircuitState.Closed ? now : _snapshot.Since;
            TimeSpan? outage = state == EndpointCircuitState.Closed && _snapshot.State != EndpointCircuitState.Closed ? now - _snapshot.Since : null;
            _snapshot = new EndpointCircuitSnapshot(state, since, _lastError, _lastErrorAt, state == EndpointCircuitState.Open ? ProbeAt : null, outage);
            transition = _transition;
            _transition = NewTransition();
        }

        transition.TrySetResult();
        _changed?.Invoke(this);
        return ValueTask.CompletedTask;
    }

    private static TaskCompletionSource NewTransition() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
