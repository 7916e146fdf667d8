using Jetstream.Storage;
using Jetstream.WebhookConsumer.Circuit;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Limits;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Settle;
using Jetstream.WebhookConsumer.WakeOnWrite;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.Subscriptions;

/// <summary>
/// One subscription's poll loop. Batches are delivered one after another (so a DID's events keep queue order across
/// them), while the next batch is received during a delivery and the previous batch is settled during the next:
/// storage round trips stay off the delivery path; where each batch comes from is <see cref="BatchIntake"/>'s to say.
/// An empty receive waits as <see cref="IdleWait"/> says: until the processor's next acknowledged write when
/// wake-on-write is live, else 10 ms doubling up to <c>Webhook:MaxPollInterval</c>; a failed one as
/// <see cref="ReceiveFailures"/> says. New settings (<see cref="Apply"/>) take effect between batches: no batch is received
/// ahead while a change waits, the batches in hand are finished with the webhook they were received under, then the
/// loop switches. Stopping finishes the batches in hand unless abandoned (or the host's shutdown timeout runs out);
/// abandoned messages reappear after the visibility timeout, as after a crash.
/// While the webhook endpoint's circuit is open the messages whose events wait for the probe are kept in hand
/// (<see cref="KeptMessages"/>), and until the probe is due the loop receives the backlog into hand beside them
/// (<see cref="BacklogInHand"/>), then delivers everything from hand: one of its requests is the probe.
/// While a backlog waits, the messages due within a second are kept in hand too and go with the next batch.
/// </summary>
internal sealed class SubscriptionLoop(
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
    KeptMessages kept,
    QueueReceiver receiver,
    SubscriptionAnnouncer announcer,
    WebhookOptions options,
    TimeProvider timeProvider,
    ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly SemaphoreSlim _changed = new(0, 1);
    private EndpointCircuit? _circuit;

    // The loop's own, for its whole life: a loop of the same id that replaces this one never shares it.
    private readonly RequestRateLimit _rateLimit = new(timeProvider, settings.MaxRequestsPerSecond);
    private SubscriptionSettings? _pending = settings;
    private Task _run = Task.CompletedTask;

    public string Id => clients.SubscriptionId;

    /// <summary>The settings last given (applied at the next batch boundary).</summary>
    public SubscriptionSettings Settings { get; private set; } = settings;

    /// <summary>Completes when the loop has ended, by itself (drained and removed, discarded) or stopped.</summary>
    public Task Completion => _run;

    public void Start()
    {
        health.Started(Id);
        _run = RunAsync();
    }

    public void Apply(SubscriptionSettings settings)
    {
        Settings = settings;

        // At once, not at the batch boundary: it protects the receiver, so the requests of the batch in hand obey it too.
        _rateLimit.Set(settings.MaxRequestsPerSecond);
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
        health.Stopped(Id);
        if (signal is not null)
        {
            await signal.DisposeAsync();
        }

        lane.Dispose();
        _rateLimit.Dispose();
        if (_circuit is not null)
        {
            circuits.Remove(_circuit);
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
        var intake = new BatchIntake(receiver, kept, options.BatchSize);
        var hold = new BacklogInHand(receiver, kept, options, timeProvider);
        try
        {
            while (intake.HasAhead || !_stopping.IsCancellationRequested)
            {
                if (!intake.HasAhead && Interlocked.Exchange(ref _pending, null) is { } changed)
                {
                    settings = changed;
                    sender = settings.Webhook is null ? null : senders.Create(settings, _rateLimit);
                    _circuit = sender?.Circuit ?? _circuit;
                    announcer.Announce(settings);
                }

                if (settings.Discard)
                {
                    // The Api drops what is queued itself; delivering it now would send what was meant to be discarded.
                    ConsumerLog.Stopped(logger, Id, "deleted with discard");
                    break;
                }

                if (sender is null)
                {
                    await _changed.WaitAsync(_stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    continue;
                }

                if (intake.ProbeFromHand(sender.Circuit.ReceivesAhead) && sender.Circuit.OpenUntil is { } probeAt && probeAt > timeProvider.GetUtcNow())
                {
                    await PauseAsync(probeAt, hold, settings.Deleting);
                    continue;
                }

                var batch = await intake.NextAsync(sender.Circuit.ReceivesAhead, settling, settings.Deleting, _stopping.Token);
                if (batch is null)
                {
                    await receiver.WaitAfterFailureAsync(_stopping.Token);
                    continue;
                }

                if (batch.Messages.Length == 0)
                {
                    if (batch.DrainedAt is { } drainedAt)
                    {
                        processor.Drained(drainedAt);
                    }

                    if (settings.Deleting && await TryRemoveAsync(settling))
                    {
                        break;
                    }

                    await idle.WaitAsync(settling, _stopping.Token);
                    continue;
                }

                idle.Found();
                if (!intake.FromHand && settings.Webhook is { Batching: true, BatchMaxWait: var wait } && wait > TimeSpan.Zero && batch.Messages.Length < options.BatchSize)
                {
                    batch = await receiver.TopUpAsync(batch, wait, settings.Deleting, _stopping.Token, _abort.Token);
                }

                // Not cancelled by a graceful stop: a receive cut off after the service dequeued would leave its
                // messages hidden for a whole visibility timeout. The batch it brings is delivered before stopping.
                // Nor received ahead while new settings wait, so the switch comes right after this batch, nor while
                // the endpoint's circuit is not closed: the queue behind the messages in hand stays untouched.
                if (!_stopping.IsCancellationRequested && Volatile.Read(ref _pending) is null && sender.Circuit.ReceivesAhead)
                {
                    intake.ReceiveAhead(settings.Deleting, _abort.Token);
                }

                var backlogBehind = intake.BacklogBehind;
                DeliveredBatch delivered;
                try
                {
                    delivered = await processor.DeliverAsync(sender, batch, _abort.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !_abort.IsCancellationRequested)
                {
                    ConsumerLog.BatchFailed(logger, Id, ex, batch.Messages.Length);
                    continue;
                }

                await settling;
                if (sender.Circuit.OpenUntil is { } openUntil)
                {
                    // Settled at once: what waits for the probe is kept in hand (a fresh lease, no receive), the rest
                    // goes back to the queue, before the loop pauses.
                    await kept.KeepAsync(delivered, openUntil, _abort.Token);
                    settling = Task.CompletedTask;
                }
                else
                {
                    settling = backlogBehind ? kept.KeepDueAsync(delivered, _abort.Token) : SettleAsync(delivered);
                    if (intake.FromHand && !_stopping.IsCancellationRequested && Volatile.Read(ref _pending) is null && sender.Circuit.ReceivesAhead)
                    {
                        // The probe closed the circuit: what is left of the backlog is received while the batch from
                        // hand is settled (a delete per message, thousands after a long outage), not after it.
                        intake.ReceiveAhead(settings.Deleting, _abort.Token);
                    }
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
            await kept.ReleaseAsync();
        }
    }

    /// <summary>
    /// Until the open circuit's probe is due, new settings come or the loop stops, receiving the backlog into hand
    /// meanwhile (<see cref="BacklogInHand"/>); a receive under way is finished and held before the loop goes on.
    /// </summary>
    private async Task PauseAsync(DateTimeOffset probeAt, BacklogInHand hold, bool deleting)
    {
        var from = timeProvider.GetUtcNow();
        var wait = probeAt - from;
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        using var done = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var changed = _changed.WaitAsync(done.Token);
        var holding = hold.HoldUntilAsync(probeAt, deleting, done.Token, _abort.Token);
        await Task.WhenAny(changed, holding);
        await done.CancelAsync();
        await holding;

        // A change taken here ended the pause: the loop reads the new settings next.
        await changed.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        processor.Paused(from, timeProvider.GetUtcNow());
    }

    /// <summary>After an empty receive of a deleting subscription, with nothing in hand: removes it if it is drained.</summary>
    private async Task<bool> TryRemoveAsync(Task settling)
    {
        await settling;
        return await remover.RemoveIfDrainedAsync(clients, logger, _abort.Token);
    }

    private async Task SettleAsync(DeliveredBatch delivered)
    {
        try
        {
            await processor.SettleAsync(delivered, keepUntil: null, _abort.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_abort.IsCancellationRequested)
        {
            ConsumerLog.BatchFailed(logger, Id, ex, delivered.Messages.Count);
        }
    }
}
