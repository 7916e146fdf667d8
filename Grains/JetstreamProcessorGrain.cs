using Jetstream.Storage.Subscriptions;
using Jetstream.Grains.Connection;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Grains.Options;
using Jetstream.Grains.Processing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;

namespace Jetstream.Grains;

/// <summary>
/// One subscription's reading (the grain key is the subscription id). The grain keeps the Orleans surface (calls,
/// timer, reminder, activation and deactivation), composes the steps and starts the <see cref="ReadingLoop"/> on its
/// own scheduler; data flows one way: transport (<see cref="JetstreamConnection"/>) → decode and filter
/// (<see cref="FrameHandler"/>) → <see cref="QueueSink"/> → the acknowledged <see cref="CursorPosition"/> →
/// <see cref="ProcessorCheckpoint"/>, so the durable cursor is never ahead of the queue. Before each connection the
/// <see cref="CursorPlanner"/> says where to resume, from the sink's position; the connection is then opened there.
/// </summary>
[KeepAlive]
// Each activation holds a socket and a read loop: spread them by count, not by where the first call came from.
[ActivationCountBasedPlacement]
public sealed class JetstreamProcessorGrain(
    [PersistentState("processor", ProcessorStorage.Name)] IPersistentState<ProcessorState> state,
    IOptions<JetstreamOptions> options,
    Storage.EventQueueClientsFactory queues,
    SubscriptionStore subscriptions,
    Backfill.HeldEventTable held,
    IOptions<Backfill.BackfillOptions> backfill,
    IZstdDictionarySource dictionaries,
    IHttpClientFactory http,
    TimeProvider time,
    ProcessorMetrics metrics,
    ILogger<JetstreamProcessorGrain> logger) : Grain, IJetstreamProcessorGrain, IRemindable
{
    private readonly JetstreamOptions _options = options.Value;
    private readonly ActivityWindow _window = new(time);
    private readonly RecentEventIds _recentIds = new(UnixMicroseconds.OfSeconds(options.Value.ReconnectRewindSeconds + 10));
    private readonly ReceiveRate _receiveRate = new(time);
    private readonly CancellationTokenSource _stopReading = new();
    private readonly CancellationTokenSource _stopSeam = new();
    private SubscriptionDocument _subscription = null!;
    private QueueSink _sink = null!;
    private LiveSeam _seam = null!;
    private FrameHandler _frames = null!;
    private CursorPlanner _cursors = null!;
    private ProcessorCheckpoint _checkpoint = null!;
    private JetstreamConnection _connection = null!;
    private ProcessorReminder _reminder = null!;
    private StartupGate _startup = null!;
    private FirstBackfillStart _firstBackfill = null!;
    private Task _run = Task.CompletedTask;
    private StreamIngest _ingest = null!;
    private ReadingLoop _loop = null!;
    private QueueWriteWatchers _watchers = null!;
    private string? _notReadyError;
    private DateTimeOffset _startedAt;

    private string Key => this.GetPrimaryKeyString();

    private ProcessorCounters Counters => state.State.Counters;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _startedAt = time.GetUtcNow();
        var queue = queues.For(Key);
        _subscription = new SubscriptionDocument { Id = Key, Enabled = false };
        _watchers = new QueueWriteWatchers(time, logger, Key);
        var writer = new StorageEventQueueWriter(queue);
        var retryDelay = TimeSpan.FromMilliseconds(_options.MaxQueueRetryDelayMs);
        _seam = new LiveSeam(held, writer, _watchers.Written, time, retryDelay, logger, Key, _stopSeam.Token,
            TimeSpan.FromSeconds(backfill.Value.HandedOverKeepSeconds));
        _sink = new QueueSink(writer, _options.MaxQueueSendsInFlight, retryDelay, time, metrics, logger, Key) { Written = _watchers.Written, Holds = _seam };
        _cursors = new CursorPlanner(_recentIds, UnixMicroseconds.OfSeconds(_options.ReconnectRewindSeconds));
        _frames = new FrameHandler(_sink, EventFilter.For(_subscription), _recentIds, time, metrics, logger, Key) { ForwardRaw = _options.ForwardRawBody, Seam = _seam };
        _checkpoint = new ProcessorCheckpoint(state, _options.CheckpointEveryCommits, ex => Log.CheckpointFailed(logger, ex, Key));
        _connection = new JetstreamConnection(_options, dictionaries, http, time, logger, Key);
        _reminder = new ProcessorReminder(this, TimeSpan.FromSeconds(_options.KeepAliveReminderSeconds), logger, Key);
        _ingest = new StreamIngest(state, _sink, _frames, _checkpoint, _window, time, metrics, logger, Key);
        _ingest.RestoreStored();
        _loop = new ReadingLoop(_connection, _cursors, _ingest, _sink, time);
        _startup = new StartupGate(subscriptions, queue, _reminder, time, retryDelay, logger, Key);
        _firstBackfill = new FirstBackfillStart(GrainFactory, Key, time, TimeSpan.FromSeconds(backfill.Value.FirstStartGraceSeconds), retryDelay, logger);
        metrics.Cursor(state.State.Cursor);
        Log.Starting(logger, Key, state.State.Cursor, state.State.CursorEndpoint);
        var interval = TimeSpan.FromMilliseconds(_options.CheckpointIntervalMs);
        this.RegisterGrainTimer(static grain => grain.OnTimerAsync(), this, new GrainTimerCreationOptions(interval, interval) { Interleave = true });
        // Not awaited: the loop runs on this activation's scheduler for the grain's whole life.
        _run = RunAsync(_stopReading.Token);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await StopReadingAsync(TimeSpan.FromSeconds(5));
        _stopSeam.Cancel();
        Log.Stopping(logger, Key, _sink.Position.TimeUs);
        // Only what this activation changed: a duplicate activation that lived for a moment while membership settled
        // must not write its empty cursor over the one the real activation keeps.
        await _checkpoint.WriteIfChangedAsync();
    }

    public Task EnsureRunning() => Task.CompletedTask;

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public Task<ProcessorStats> GetStats()
    {
        _ingest.TakeAcknowledged();
        return Task.FromResult(ProcessorReport.Stats(Counters, _sink.Position, _startedAt, _window, _receiveRate.PerSecond(Counters.TotalReceived), _connection.Status(), time.GetUtcNow()));
    }

    public Task<ConnectionStatus> GetStatus()
    {
        _ingest.TakeAcknowledged();
        return Task.FromResult(ProcessorReport.Status(_connection.Status(), _sink, Counters, _notReadyError, _loop.IsPaused, time.GetUtcNow()));
    }

    public Task<ProcessorStats> ResetStats()
    {
        _ingest.ResetCounters();
        _startedAt = time.GetUtcNow();
        return GetStats();
    }

    public Task Reconnect()
    {
        Log.ReconnectRequested(logger, Key);
        Interrupt();
        return Task.CompletedTask;
    }

    public async Task ApplySettings()
    {
        var stored = _checkpoint.Disabled ? null : await subscriptions.GetAsync(Key);
        if (stored?.Document is not { Lifecycle: SubscriptionLifecycle.Active } subscription)
        {
            // Deleted, or on its way out: Delete() does the rest; until then nothing more is read.
            _subscription = _subscription with { Enabled = false };
            _loop.Enabled = false;
            Interrupt();
            return;
        }

        var previous = _subscription;
        Use(subscription);
        Log.SettingsApplied(logger, Key, subscription.Enabled, subscription.WantedCollections.Length, subscription.WantedDids.Length);
        if (previous.Enabled != subscription.Enabled || !previous.Endpoints.SequenceEqual(subscription.Endpoints))
        {
            Interrupt();
            return;
        }

        // The frame handler already filters by the new ones, so nothing of a removed collection is queued.
        await _connection.UpdateFiltersAsync(WireFilters.For(subscription), _stopReading.Token);
    }

    public Task<ReplayResult> Replay(DateTimeOffset from)
    {
        if (CursorPlanner.Refuse(from, time.GetUtcNow(), _options.ReplayWindowHours) is { } refused)
        {
            return Task.FromResult(refused);
        }

        var fromUs = UnixMicroseconds.From(from);
        _cursors.RequestReplay(fromUs);
        Log.ReplayRequested(logger, Key, fromUs);
        Interrupt();
        return Task.FromResult(new ReplayResult(true, fromUs, null));
    }

    public Task WatchQueueWrites(IQueueWriteObserver observer, TimeSpan lease)
    {
        _watchers.Watch(observer, lease);
        return Task.CompletedTask;
    }

    public Task QueueWrittenElsewhere()
    {
        _watchers.Written();
        return Task.CompletedTask;
    }

    public Task<Guid> HoldForBackfill(string[] dids) => _seam.HoldAsync(dids);

    public Task<bool> HoldStored(Guid activation) => _seam.StoredAsync(activation);

    public Task ReleaseHeld(HeldRelease[]? releases) => releases is null ? _seam.ReleaseAllAsync(drop: false) : _seam.ReleaseAsync(releases);

    public async Task Delete()
    {
        _checkpoint.Disabled = true;
        // What was read is queued, so the consumer delivers (or, when discarding, drops) it with the rest.
        await StopReadingAsync(TimeSpan.FromSeconds(10));
        await _seam.DropAllAsync();
        await state.ClearStateAsync();
        await _reminder.UnregisterAsync();
        Log.Deleted(logger, Key);
        DeactivateOnIdle();
    }

    private void Use(SubscriptionDocument subscription)
    {
        _subscription = subscription;
        _loop.Enabled = subscription.Enabled;
        _frames.Filter = EventFilter.For(subscription);
        _connection.UseEndpoints(subscription.Endpoints.Length > 0 ? subscription.Endpoints : _options.Endpoints);
    }

    private void Interrupt() => _loop.Interrupt();

    private async Task RunAsync(CancellationToken stopping)
    {
        await Task.Yield();
        var subscription = await _startup.PrepareAsync(error => _notReadyError = error, stopping);
        _notReadyError = null;
        if (subscription is null)
        {
            if (!stopping.IsCancellationRequested)
            {
                _notReadyError = $"Subscription '{Key}' does not exist (or is being deleted): nothing is read.";
                DeactivateOnIdle();
            }

            return;
        }

        Use(subscription);
        _cursors.StartFromCreation(_sink.Position, subscription.CreatedAt, time.GetUtcNow(), _options.ReplayWindowHours);
        if (subscription.AwaitingBackfill)
        {
            _seam.AwaitBackfill();
            _ = StartAwaitedBackfillAsync(subscription.CreatedAt);
        }

        await _seam.LoadAsync();
        await _connection.UpdateFiltersAsync(WireFilters.For(subscription), stopping);
        await _loop.RunAsync(stopping);
    }

    /// <summary>
    /// Starts the backfill the subscription was created with if nobody did (<see cref="FirstBackfillStart"/>). One that
    /// can never start (its filters changed to find no repositories) loses the mark and the hold, as the Api does.
    /// </summary>
    private async Task StartAwaitedBackfillAsync(DateTimeOffset createdAt)
    {
        try
        {
            if (await _firstBackfill.RunAsync(createdAt, _stopSeam.Token) == BackfillStartRefusal.NothingToDiscover)
            {
                await subscriptions.ClearAwaitingBackfillAsync(Key, _stopSeam.Token);
                await _seam.ReleaseAllAsync(drop: false);
            }
        }
        catch (OperationCanceledException) when (_stopSeam.IsCancellationRequested)
        {
            // Deactivated: the next activation reads the mark again.
        }
        catch (Azure.RequestFailedException ex)
        {
            // The mark stays: the next activation tries again.
            Backfill.BackfillLog.FirstStartFailed(logger, ex, Key);
        }
    }

    private Task OnTimerAsync()
    {
        _receiveRate.Sample(Counters.TotalReceived);
        _ingest.TakeAcknowledged();
        _checkpoint.Tick();
        return Task.CompletedTask;
    }

    /// <summary>Stops the loop and waits (up to <paramref name="drainLimit"/>) for the writes in flight.</summary>
    private async Task StopReadingAsync(TimeSpan drainLimit)
    {
        _stopReading.Cancel();
        _connection.Dispose();
        await _run.WaitAsync(TimeSpan.FromSeconds(10), time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        await _ingest.StopAsync(drainLimit);
        await _checkpoint.Current.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
    }
}
