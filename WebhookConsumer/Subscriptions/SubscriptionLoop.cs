using Jetstream.EventQueue.Circuits;
using Jetstream.EventQueue;
using Jetstream.WebhookConsumer.Circuit;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Settle;
using Jetstream.WebhookConsumer.WakeOnWrite;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.Subscriptions;

/// <summary>
/// One subscription's poll loop. Batches are delivered one after another (so a DID's events keep queue order across
/// them), while the next batch is received during a delivery and the previous batch is settled during the next:
/// storage round trips stay off the delivery path. An empty receive waits as <see cref="IdleWait"/> says: until the
/// processor's next acknowledged write when wake-on-write is live, else 10 ms doubling up to
/// <c>Webhook:MaxPollInterval</c>. New settings (<see cref="Apply"/>) take effect between batches: no batch is received
/// ahead while a change waits, the batches in hand are finished with the webhook they were received under, then the
/// loop switches. Stopping finishes the batches in hand unless abandoned (or the host's shutdown timeout runs out);
/// abandoned messages reappear after the visibility timeout, as after a crash.
/// While the webhook endpoint's circuit is open nothing more is received: the messages whose events wait for the probe
/// are kept in hand (<see cref="KeptMessages"/>), the loop pauses until the probe is due and delivers them from hand.
/// </summary>
internal sealed class SubscriptionLoop : IAsyncDisposable
{
    private readonly EventQueueClients _clients;
    private readonly BatchProcessor _processor;
    private readonly DeliveryLane _lane;
    private readonly WebhookSenderFactory _senders;
    private readonly SubscriptionRemover _remover;
    private readonly EndpointCircuits _circuits;
    private EndpointCircuit? _circuit;
    private readonly ConsumerHealth _health;
    private readonly IdleWait _idle;
    private readonly QueueWriteSignal? _signal;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly KeptMessages _kept;
    private readonly QueueReceiver _receiver;
    private readonly SubscriptionAnnouncer _announcer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly SemaphoreSlim _changed = new(0, 1);
    private SubscriptionSettings? _pending;
    private Task _run = Task.CompletedTask;

    public SubscriptionLoop(
        SubscriptionSettings settings,
        EventQueueClients clients,
        BatchProcessor processor,
        DeliveryLane lane,
        WebhookSenderFactory senders,
        SubscriptionRemover remover,
        EndpointCircuits circuits,
        ConsumerHealth health,
        IdleWait idle,
        QueueWriteSignal? signal,
        WebhookOptions options,
        TimeProvider timeProvider,
        ILogger logger)
    {
        Settings = settings;
        _pending = settings;
        _clients = clients;
        _processor = processor;
        _lane = lane;
        _senders = senders;
        _remover = remover;
        _circuits = circuits;
        _health = health;
        _idle = idle;
        _signal = signal;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _kept = new KeptMessages(clients, processor, logger);
        _receiver = new QueueReceiver(clients, health, options, timeProvider, logger);
        _announcer = new SubscriptionAnnouncer(clients, health, signal, logger);
    }

    public string Id => _clients.SubscriptionId;

    /// <summary>The settings last given (applied at the next batch boundary).</summary>
    public SubscriptionSettings Settings { get; private set; }

    /// <summary>Completes when the loop has ended, by itself (drained and removed, discarded) or stopped.</summary>
    public Task Completion => _run;

    public void Start()
    {
        _health.Started(Id);
        _run = RunAsync();
    }

    public void Apply(SubscriptionSettings settings)
    {
        Settings = settings;
        Volatile.Write(ref _pending, settings);
        if (_changed.CurrentCount == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    /// <summary>Stops the loop: the batches in hand are finished unless <paramref name="abandon"/>, or until <paramref name="cancellationToken"/>.</summary>
    public async Task StopAsync(bool abandon, CancellationToken cancellationToken)
    {
        if (abandon)
        {
            await _abort.CancelAsync();
        }

        await _stopping.CancelAsync();
        using var abortWhenOutOfTime = cancellationToken.Register(_abort.Cancel);

        // A loop that failed was reported by the manager when it found it ended.
        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(abandon: true, CancellationToken.None);
        _health.Stopped(Id);
        if (_signal is not null)
        {
            await _signal.DisposeAsync();
        }

        _lane.Dispose();
        if (_circuit is not null)
        {
            _circuits.Remove(_circuit);
        }
        _stopping.Dispose();
        _abort.Dispose();
        _changed.Dispose();
    }

    private async Task RunAsync()
    {
        // Off the caller's stack: the manager starts many loops in one refresh.
        await Task.Yield();
        var settings = Settings;
        WebhookSender? sender = null;
        Task settling = Task.CompletedTask;
        Task<ReceivedBatch?>? next = null;
        try
        {
            while (next is not null || !_stopping.IsCancellationRequested)
            {
                if (next is null && Interlocked.Exchange(ref _pending, null) is { } changed)
                {
                    settings = changed;
                    sender = settings.Webhook is null ? null : _senders.Create(settings);
                    _circuit = sender?.Circuit ?? _circuit;
                    _announcer.Announce(settings);
                }

                if (settings.Discard)
                {
                    // The Api drops what is queued itself; delivering it now would send what was meant to be discarded.
                    ConsumerLog.Stopped(_logger, Id, "deleted with discard");
                    break;
                }

                if (sender is null)
                {
                    await _changed.WaitAsync(_stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    continue;
                }

                ReceivedBatch? batch;
                // The probe goes from the messages kept in hand, before anything is received.
                var fromHand = next is null && _kept.Any;
                if (fromHand)
                {
                    if (sender.Circuit.OpenUntil is { } probeAt && probeAt > _timeProvider.GetUtcNow())
                    {
                        await PauseAsync(probeAt);
                        continue;
                    }

                    batch = _kept.Take();
                }
                else
                {
                    batch = next is null ? await _receiver.ReceiveAsync(settings.Deleting, _stopping.Token) : await next;
                    next = null;
                }

                if (batch is null)
                {
                    await Task.Delay(_options.MaxPollInterval, _timeProvider, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    continue;
                }

                if (batch.Messages.Length == 0)
                {
                    if (batch.DrainedAt is { } drainedAt)
                    {
                        _processor.Drained(drainedAt);
                    }

                    if (settings.Deleting && await TryRemoveAsync(settling))
                    {
                        break;
                    }

                    await _idle.WaitAsync(settling, _stopping.Token);
                    continue;
                }

                _idle.Found();
                if (!fromHand && settings.Webhook is { Batching: true, BatchMaxWait: var wait } && wait > TimeSpan.Zero && batch.Messages.Length < _options.BatchSize)
                {
                    batch = await _receiver.TopUpAsync(batch, wait, settings.Deleting, _stopping.Token, _abort.Token);
                }

                // Not cancelled by a graceful stop: a receive cut off after the service dequeued would leave its
                // messages hidden for a whole visibility timeout. The batch it brings is delivered before stopping.
                // Nor received ahead while new settings wait, so the switch comes right after this batch, nor while
                // the endpoint's circuit is not closed: the queue behind the messages in hand stays untouched.
                next = _stopping.IsCancellationRequested || Volatile.Read(ref _pending) is not null || sender.Circuit.State != EndpointCircuitState.Closed
                    ? null
                    : _receiver.ReceiveAsync(settings.Deleting, _abort.Token);
                IReadOnlyList<ReceivedMessage> delivered;
                try
                {
                    delivered = await _processor.DeliverAsync(sender, batch, _abort.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !_abort.IsCancellationRequested)
                {
                    ConsumerLog.BatchFailed(_logger, Id, ex, batch.Messages.Length);
                    continue;
                }

                await settling;
                if (sender.Circuit.OpenUntil is { } openUntil)
                {
                    // Settled at once: what waits for the probe is kept in hand (a fresh lease, no receive), the rest
                    // goes back to the queue, before the loop pauses.
                    await _kept.KeepAsync(delivered, openUntil, _abort.Token);
                    settling = Task.CompletedTask;
                }
                else
                {
                    settling = SettleAsync(delivered);
                }
            }

            await settling;
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // Abandoned like a crash: unsettled messages reappear after their visibility timeout.
        }

        if (!settings.Discard)
        {
            await _kept.ReleaseAsync();
        }
    }

    /// <summary>Until the open circuit's probe is due, new settings come or the loop stops.</summary>
    private async Task PauseAsync(DateTimeOffset probeAt)
    {
        var from = _timeProvider.GetUtcNow();
        var wait = probeAt - from;
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        using var done = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var changed = _changed.WaitAsync(done.Token);
        await Task.WhenAny(changed, Task.Delay(wait, _timeProvider, done.Token));
        await done.CancelAsync();

        // A change taken here ended the pause: the loop reads the new settings next.
        await changed.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _processor.Paused(from, _timeProvider.GetUtcNow());
    }

    /// <summary>After an empty receive of a deleting subscription, with nothing in hand: removes it if it is drained.</summary>
    private async Task<bool> TryRemoveAsync(Task settling)
    {
        await settling;
        return await _remover.RemoveIfDrainedAsync(_clients, _logger, _abort.Token);
    }

    private async Task SettleAsync(IReadOnlyList<ReceivedMessage> delivered)
    {
        try
        {
            await _processor.SettleAsync(delivered, keepUntil: null, _abort.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_abort.IsCancellationRequested)
        {
            ConsumerLog.BatchFailed(_logger, Id, ex, delivered.Count);
        }
    }
}
