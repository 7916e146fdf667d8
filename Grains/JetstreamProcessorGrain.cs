using System.Buffers;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Jetstream.EventQueue;
using Jetstream.EventQueue.Subscriptions;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Events;
using Jetstream.Grains.Options;
using Jetstream.Grains.Processing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;

namespace Jetstream.Grains;

/// <summary>
/// Owns one subscription's reading (the grain key is the subscription id). A loop on the grain's own scheduler reads
/// the subscription from the store, connects, reads every frame once, queues the kept events on the subscription's own
/// queue through <see cref="QueueSink"/> and persists the cursor that sink derives, so the durable cursor is never ahead
/// of the queue. Reconnects back off exponentially, fail over between endpoints and rewind the cursor. Settings changed
/// through the Api arrive by <see cref="ApplySettings"/>: a filter change goes to the open socket as <c>options_update</c>.
/// </summary>
[KeepAlive]
// Each activation holds a socket and a read loop: spread them by count, not by where the first call came from.
[ActivationCountBasedPlacement]
public sealed class JetstreamProcessorGrain : Grain, IJetstreamProcessorGrain, IRemindable
{
    private const string ReminderName = "keep-alive";
    private const int InitialBufferBytes = 64 * 1024;

    private readonly IPersistentState<ProcessorState> _state;
    private readonly JetstreamOptions _options;
    private readonly EventQueueClientsFactory _queues;
    private readonly SubscriptionStore _subscriptions;
    private readonly TimeProvider _time;
    private readonly ProcessorMetrics _metrics;
    private readonly ILogger<JetstreamProcessorGrain> _logger;
    private readonly ActivityWindow _window;
    private readonly RecentEventIds _recentIds;
    private readonly ReconnectBackoff _backoff;
    private readonly ReceiveRate _receiveRate;
    private readonly CancellationTokenSource _stopReading = new();
    private readonly CancellationTokenSource _stopSending = new();
    private EventQueueClients _queue = null!;
    private QueueSink _sink = null!;
    private SubscriptionDocument _subscription = null!;
    private string? _filtersOnSocket;
    private long? _replayFromUs;
    private bool _resumeExactly;
    private bool _deleted;
    private Task _run = Task.CompletedTask;
    private CancellationTokenSource? _session;
    private ClientWebSocket? _socket;
    private bool _reconnectRequested;
    private bool _readerWaiting;
    private bool _sessionMadeProgress;
    private bool _lastSessionStalled;
    private int _endpointIndex;
    private int _endpointFailures;

    private ConnectionState _connectionState = ConnectionState.Stopped;
    private string? _endpoint;
    private Uri? _url;
    private DateTimeOffset _startedAt;
    private DateTimeOffset? _connectedSince;
    private DateTimeOffset? _lastMessageAt;
    private DateTimeOffset? _nextAttemptAt;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;

    private FrameHandler _frames = null!;
    private CoalescingCheckpoint _checkpoint = null!;
    private long _commitsSinceCheckpoint;
    private bool _countersChanged;

    public JetstreamProcessorGrain(
        [PersistentState("processor", ProcessorStorage.Name)] IPersistentState<ProcessorState> state,
        IOptions<JetstreamOptions> options,
        EventQueueClientsFactory queues,
        SubscriptionStore subscriptions,
        TimeProvider time,
        ProcessorMetrics metrics,
        ILogger<JetstreamProcessorGrain> logger)
    {
        _state = state;
        _options = options.Value;
        _queues = queues;
        _subscriptions = subscriptions;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _window = new ActivityWindow(time);
        _recentIds = new RecentEventIds((_options.ReconnectRewindSeconds + 10) * 1_000_000L);
        _receiveRate = new ReceiveRate(time);
        _backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(_options.InitialBackoffMs), TimeSpan.FromMilliseconds(_options.MaxBackoffMs), time);
    }

    private string Key => this.GetPrimaryKeyString();

    private ProcessorCounters Counters => _state.State.Counters;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _startedAt = _time.GetUtcNow();
        _queue = _queues.For(Key);
        _subscription = new SubscriptionDocument { Id = Key, Enabled = false };
        _sink = new QueueSink(_queue, _options.MaxQueueSendsInFlight, TimeSpan.FromMilliseconds(_options.MaxQueueRetryDelayMs), _time, _metrics, _logger, Key);
        _sink.Restore(_state.State.Cursor);
        _frames = new FrameHandler(_sink, EventFilter.For(_subscription), _recentIds, _time, _metrics, _logger, Key);
        _checkpoint = new CoalescingCheckpoint(WriteCheckpointAsync);
        _sink.Sent += OnSent;
        _sink.WriteFinished += () =>
        {
            if (_endpoint is { } endpoint)
            {
                AfterProgress(endpoint);
            }

            // What arrived while the last write was out goes now, as one message, if the reader has nothing more.
            if (_readerWaiting && !_sink.HasWriteInFlight)
            {
                _sink.Flush(_stopSending.Token);
            }
        };
        _metrics.Cursor(_state.State.Cursor);
        Log.Starting(_logger, Key, _state.State.Cursor, _state.State.CursorEndpoint);

        var interval = TimeSpan.FromMilliseconds(_options.CheckpointIntervalMs);
        this.RegisterGrainTimer(static grain => grain.CheckpointIfChangedAsync(), this, new GrainTimerCreationOptions(interval, interval) { Interleave = true });

        // Not awaited: the loop runs on this activation's scheduler for the grain's whole life.
        _run = RunAsync(_stopReading.Token);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _stopReading.Cancel();
        _socket?.Abort();
        await _run.WaitAsync(TimeSpan.FromSeconds(10), _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);

        using var drainLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drainLimit.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await _sink.DrainAsync(drainLimit.Token);
        }
        catch (OperationCanceledException)
        {
            // Writes that could not finish are not acknowledged, so the cursor does not cover them: they replay.
        }

        _stopSending.Cancel();
        _sink.Abandon();
        Log.Stopping(_logger, Key, _sink.Cursor);
        await _checkpoint.Current.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        // Only what this activation changed: a duplicate activation that lived for a moment while membership settled
        // must not write its empty cursor over the one the real activation keeps.
        if (!_deleted && (_countersChanged || _state.State.Cursor != _sink.Cursor))
        {
            await WriteCheckpointAsync();
        }

        _connectionState = ConnectionState.Stopped;
    }

    public Task EnsureRunning() => Task.CompletedTask;

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public Task<ProcessorStats> GetStats() => Task.FromResult(Snapshot());

    public Task<ConnectionStatus> GetStatus()
    {
        var socketState = _socket?.State ?? WebSocketState.Closed;
        var connected = socketState == WebSocketState.Open && _connectionState == ConnectionState.Connected;
        var cursor = _sink.Cursor;
        return Task.FromResult(new ConnectionStatus
        {
            Connected = connected,
            ReadyState = socketState switch
            {
                WebSocketState.None or WebSocketState.Connecting => 0,
                WebSocketState.Open => 1,
                WebSocketState.CloseSent or WebSocketState.CloseReceived => 2,
                _ => 3,
            },
            State = _sink.IsPaused ? ConnectionState.PausedQueueUnavailable : _connectionState,
            Endpoint = _endpoint,
            SubscribeUrl = _url?.ToString(),
            ConnectedSince = connected ? _connectedSince : null,
            LastMessageAt = _lastMessageAt,
            ReconnectAttempts = _backoff.ConsecutiveFailures,
            LastError = _sink.IsPaused ? _sink.LastError : _lastError,
            LastErrorAt = _lastErrorAt,
            Cursor = cursor,
            LagSeconds = LagSeconds(cursor),
            NextAttemptAt = _connectionState is ConnectionState.Backoff or ConnectionState.ConfigurationError ? _nextAttemptAt : null,
        });
    }

    public Task<ProcessorStats> ResetStats()
    {
        _state.State.Counters = new ProcessorCounters();
        _window.Clear();
        _startedAt = _time.GetUtcNow();
        _checkpoint.Request();
        return Task.FromResult(Snapshot());
    }

    public Task Reconnect()
    {
        Log.ReconnectRequested(_logger, Key);
        if (_subscription.Enabled)
        {
            _connectionState = ConnectionState.Connecting;
        }

        Interrupt();
        return Task.CompletedTask;
    }

    public async Task ApplySettings()
    {
        if (_deleted)
        {
            return;
        }

        var stored = await _subscriptions.GetAsync(Key);
        if (stored?.Document is not { Lifecycle: SubscriptionLifecycle.Active } subscription)
        {
            // Deleted, or on its way out: Delete() does the rest; until then nothing more is read.
            _subscription = _subscription with { Enabled = false };
            Interrupt();
            return;
        }

        var previous = _subscription;
        _subscription = subscription;
        _frames.Filter = EventFilter.For(subscription);
        Log.SettingsApplied(_logger, Key, subscription.Enabled, subscription.WantedCollections.Length, subscription.WantedDids.Length);
        if (previous.Enabled != subscription.Enabled || !previous.Endpoints.SequenceEqual(subscription.Endpoints))
        {
            _endpointIndex = 0;
            Interrupt();
            return;
        }

        await SendFiltersIfChangedAsync();
    }

    public Task<ReplayResult> Replay(DateTimeOffset from)
    {
        var now = _time.GetUtcNow();
        if (from > now)
        {
            return Task.FromResult(ReplayResult.Rejected($"'from' ({from:O}) is in the future."));
        }

        var window = TimeSpan.FromHours(_options.ReplayWindowHours);
        if (now - from > window)
        {
            return Task.FromResult(ReplayResult.Rejected(
                $"'from' ({from:O}) is older than the servers' retention of {_options.ReplayWindowHours} h (Jetstream:ReplayWindowHours): the events before {(now - window):O} are no longer served."));
        }

        var cursor = ProcessorCounters.ToMicroseconds(from);
        Log.ReplayRequested(_logger, Key, cursor);
        _replayFromUs = cursor;
        Interrupt();
        return Task.FromResult(new ReplayResult(true, cursor, null));
    }

    public async Task Delete()
    {
        _deleted = true;
        _stopReading.Cancel();
        _socket?.Abort();
        await _run.WaitAsync(TimeSpan.FromSeconds(10), _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        using (var drainLimit = new CancellationTokenSource(TimeSpan.FromSeconds(10), _time))
        {
            try
            {
                // What was read is queued, so the consumer delivers (or, when discarding, drops) it with the rest.
                await _sink.DrainAsync(drainLimit.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stopSending.Cancel();
        _sink.Abandon();
        await _checkpoint.Current.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        await _state.ClearStateAsync();
        await UnregisterReminderAsync();
        Log.Deleted(_logger, Key);
        DeactivateOnIdle();
    }

    /// <summary>Ends the current session, or the paused wait, so the loop starts over with what changed.</summary>
    private void Interrupt()
    {
        _reconnectRequested = true;
        _session?.Cancel();
        _socket?.Abort();
    }

    /// <summary>
    /// Sends the subscription's filters to the open socket as <c>options_update</c> (PROTOCOL.md §2.6) when they differ
    /// from what the server applies. The frame handler already filters by the new ones, so nothing of a removed
    /// collection is queued, and events of collections in both filters keep flowing on the same socket.
    /// </summary>
    private async Task SendFiltersIfChangedAsync()
    {
        var filters = FiltersKey(_subscription);
        if (_socket is not { State: WebSocketState.Open } socket || _connectionState != ConnectionState.Connected || filters == _filtersOnSocket)
        {
            return;
        }

        _filtersOnSocket = filters;
        var update = SubscribeRequest.OptionsUpdate(_subscription.WantedCollections, _subscription.WantedDids);
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(update), WebSocketMessageType.Text, true, _stopReading.Token);
            Log.FiltersUpdated(_logger, Key, _subscription.WantedCollections.Length, _subscription.WantedDids.Length);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The socket went away meanwhile: the next connection's URL carries the new filters.
            _filtersOnSocket = null;
        }
    }

    private static string FiltersKey(SubscriptionDocument subscription) =>
        string.Join('\n', subscription.WantedCollections) + "\n\n" + string.Join('\n', subscription.WantedDids);

    private string[] Endpoints => _subscription.Endpoints.Length > 0 ? _subscription.Endpoints : _options.Endpoints;

    /// <summary>A replay asked for: the sink is idle here (between sessions), so the cursor can move back.</summary>
    private void StartPendingReplay()
    {
        if (_replayFromUs is not { } from)
        {
            return;
        }

        _replayFromUs = null;
        _sink.Restore(from);
        _recentIds.Clear();
        _state.State.CursorEndpoint = null;
        _resumeExactly = true;
        _metrics.Cursor(from);
        _checkpoint.Request();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        await Task.Yield();
        if (!await PrepareAsync(stopping))
        {
            return;
        }

        var first = true;
        while (!stopping.IsCancellationRequested)
        {
            if (!_subscription.Enabled)
            {
                using var paused = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                _session = paused;
                _reconnectRequested = false;
                _connectionState = ConnectionState.Paused;
                StartPendingReplay();
                if (!await DelayUnlessWokenAsync(Timeout.InfiniteTimeSpan, paused.Token, stopping))
                {
                    break;
                }

                continue;
            }

            StartPendingReplay();
            var endpoints = Endpoints;
            _endpointIndex %= endpoints.Length;
            var endpoint = endpoints[_endpointIndex];
            var cursor = _sink.Cursor;
            // Rewind so a switch between instances misses nothing; but if the last session here was all replayed
            // duplicates (a server dropping us faster than the rewind window replays), or a replay starts, resume exactly at the cursor.
            var rewindUs = _resumeExactly || (_lastSessionStalled && endpoint == _state.State.CursorEndpoint) ? 0 : _options.ReconnectRewindSeconds * 1_000_000L;
            _resumeExactly = false;
            long? resumeAt = cursor is { } c ? Math.Max(0, c - rewindUs) : null;
            var request = SubscribeRequest.Create(endpoint, _subscription.WantedCollections, _subscription.WantedDids, resumeAt);
            var filtersRequested = FiltersKey(_subscription);
            if (!first)
            {
                Counters.Reconnects++;
                _countersChanged = true;
                _metrics.Reconnected();
            }

            first = false;
            using var session = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            _session = session;
            if (_reconnectRequested)
            {
                _reconnectRequested = false;
            }

            var ws = CreateSocket();
            _socket = ws;
            _endpoint = endpoint;
            _url = request.Uri;
            _connectionState = ConnectionState.Connecting;
            Log.Connecting(_logger, Key, request.Uri);

            _sessionMadeProgress = false;
            Exception? failure = null;
            try
            {
                using (var connectLimit = CancellationTokenSource.CreateLinkedTokenSource(session.Token))
                {
                    connectLimit.CancelAfter(TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds));
                    await ws.ConnectAsync(request.Uri, connectLimit.Token);
                }

                if (request.Hello is { } hello)
                {
                    await ws.SendAsync(Encoding.UTF8.GetBytes(hello), WebSocketMessageType.Text, true, session.Token);
                }

                _connectionState = ConnectionState.Connected;
                _connectedSince = _time.GetUtcNow();
                _filtersOnSocket = filtersRequested;
                Log.Connected(_logger, Key, endpoint);

                // Filters changed while the handshake was under way go to the server now.
                await SendFiltersIfChangedAsync();
                var dedupeFloor = endpoint == _state.State.CursorEndpoint ? cursor : null;
                await ReadSessionAsync(ws, endpoint, dedupeFloor, session.Token);
            }
            catch (WebSocketException) when ((int)ws.HttpStatusCode is >= 400 and < 500)
            {
                var status = (int)ws.HttpStatusCode;
                var retry = TimeSpan.FromSeconds(_options.ConfigurationErrorRetrySeconds);
                _connectionState = ConnectionState.ConfigurationError;
                RecordError($"HTTP {status} from {endpoint}: the server rejected the subscription; check Jetstream:WantedCollections, Jetstream:WantedDids and Jetstream:Endpoints ({request.Uri.Query}).");
                _nextAttemptAt = _time.GetUtcNow() + retry;
                Log.ConfigurationRejected(_logger, Key, endpoint, status, retry);
                ws.Dispose();
                if (!await DelayUnlessWokenAsync(retry, session.Token, stopping))
                {
                    break;
                }

                continue;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                ws.Dispose();
                break;
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            if (!await DrainAfterSessionAsync(stopping))
            {
                ws.Dispose();
                break;
            }

            ws.Dispose();
            var healthy = _sessionMadeProgress;
            _lastSessionStalled = !healthy;
            if (_reconnectRequested)
            {
                _backoff.Reset();
                _endpointFailures = 0;
                continue;
            }

            if (healthy)
            {
                _backoff.Reset();
                _endpointFailures = 0;
            }
            else
            {
                _endpointFailures++;
            }

            var delay = _backoff.NextDelay();
            RecordError(failure is null
                ? $"Connection to {endpoint} closed ({ws.CloseStatus?.ToString() ?? "no close frame"}{(ws.CloseStatusDescription is { Length: > 0 } d ? ": " + d : "")})."
                : $"Connection to {endpoint} failed: {failure.GetType().Name}: {failure.Message}");
            _connectionState = ConnectionState.Backoff;
            _nextAttemptAt = _time.GetUtcNow() + delay;
            Log.ConnectionLost(_logger, failure, Key, endpoint, delay);

            if (_endpointFailures >= _options.FailoverAfterAttempts && endpoints.Length > 1)
            {
                var next = (_endpointIndex + 1) % endpoints.Length;
                Log.FailingOver(_logger, Key, endpoint, endpoints[next], _endpointFailures);
                _endpointIndex = next;
                _endpointFailures = 0;
            }

            if (!await DelayUnlessWokenAsync(delay, session.Token, stopping))
            {
                break;
            }
        }
    }

    /// <summary>Reads frames until the socket ends, noting in <see cref="_sessionMadeProgress"/> whether new events came.</summary>
    private async Task ReadSessionAsync(ClientWebSocket ws, string endpoint, long? dedupeFloor, CancellationToken cancellationToken)
    {
        var stopping = _stopSending.Token;
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        var filled = 0;
        var discarding = false;
        try
        {
            while (true)
            {
                var receive = ws.ReceiveAsync(buffer.AsMemory(filled), cancellationToken);
                if (!receive.IsCompleted)
                {
                    // Nothing more is buffered: send what is pending now rather than wait for a full message, unless a
                    // write is still out; then it goes when that write finishes (see WriteFinished). So a message carries
                    // what arrived during one write instead of one event each, and the queue sees few requests at any rate.
                    _readerWaiting = true;
                    AfterProgress(endpoint);
                    if (!_sink.HasWriteInFlight)
                    {
                        _sink.Flush(stopping);
                    }
                }

                var result = await receive;
                _readerWaiting = false;
                _lastMessageAt = _time.GetUtcNow();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
                    return;
                }

                filled += result.Count;
                if (!result.EndOfMessage)
                {
                    if (filled >= _options.MaxFrameBytes)
                    {
                        discarding = true;
                        filled = 0;
                    }
                    else if (filled == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(_options.MaxFrameBytes, buffer.Length * 2));
                        buffer.AsSpan(0, filled).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    continue;
                }

                if (discarding)
                {
                    discarding = false;
                    filled = 0;
                    Counters.TotalReceived++;
                    Counters.OversizeFrames++;
                    _countersChanged = true;
                    _metrics.Skipped("oversize");
                    Log.OversizeFrame(_logger, Key, _options.MaxFrameBytes);
                    continue;
                }

                _countersChanged = true;
                if (_frames.Handle(buffer.AsSpan(0, filled), result.MessageType, dedupeFloor, Counters, stopping) && !_sessionMadeProgress)
                {
                    // The session proved healthy: the next failure starts the backoff from the beginning again.
                    _sessionMadeProgress = true;
                    _backoff.Reset();
                    _endpointFailures = 0;
                }

                filled = 0;
                AfterProgress(endpoint);
                if (!_sink.HasCapacity)
                {
                    await _sink.WaitForCapacityAsync().WaitAsync(cancellationToken);
                    AfterProgress(endpoint);
                }
            }
        }
        finally
        {
            _readerWaiting = false;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void OnSent(IReadOnlyList<PendingEvent> events)
    {
        var counters = Counters;
        foreach (var pending in events)
        {
            counters.EventCounts[pending.Collection] = counters.EventCounts.GetValueOrDefault(pending.Collection) + 1;
            counters.LastEventTimeUs = Math.Max(counters.LastEventTimeUs ?? 0, pending.Event.TimeUs);
            if (pending.Event.BlobName is not null)
            {
                counters.OffloadedEvents++;
            }

            _window.Record(pending.Collection);
            _metrics.Queued(pending.Collection, 1);
        }

        counters.TotalEvents += events.Count;
        counters.QueuedEvents += events.Count;
        counters.LastProcessedAt = _time.GetUtcNow();
        _commitsSinceCheckpoint += events.Count;
        _countersChanged = true;
    }

    private void AfterProgress(string endpoint)
    {
        if (!_sink.Collect())
        {
            return;
        }

        _state.State.CursorEndpoint = endpoint;
        _metrics.Cursor(_sink.Cursor);
        if (_commitsSinceCheckpoint >= _options.CheckpointEveryCommits)
        {
            _checkpoint.Request();
        }
    }

    private async Task<bool> DrainAfterSessionAsync(CancellationToken stopping)
    {
        try
        {
            await _sink.DrainAsync(stopping);
            if (_sink.Collect())
            {
                _metrics.Cursor(_sink.Cursor);
                if (_endpoint is not null)
                {
                    _state.State.CursorEndpoint = _endpoint;
                }
            }

            _checkpoint.Request();
            return true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads the subscription and creates its queues, retrying while storage cannot answer. False when the grain stops,
    /// or when there is no such subscription (then it deactivates, leaving nothing behind).
    /// </summary>
    private async Task<bool> PrepareAsync(CancellationToken stopping)
    {
        for (var attempt = 1; ; attempt++)
        {
            var step = "Subscription store";
            try
            {
                var stored = await _subscriptions.GetAsync(Key, stopping);
                if (stored?.Document is not { Lifecycle: SubscriptionLifecycle.Active } subscription)
                {
                    Log.NoSuchSubscription(_logger, Key);
                    RecordError($"Subscription '{Key}' does not exist (or is being deleted): nothing is read.");
                    await UnregisterReminderAsync();
                    DeactivateOnIdle();
                    return false;
                }

                _subscription = subscription;
                _frames.Filter = EventFilter.For(subscription);
                await RegisterReminderAsync();
                step = $"Queue '{_queue.QueueName}'";
                await _queue.EnsureCreatedAsync(stopping);
                return true;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception ex)
            {
                var delay = TimeSpan.FromMilliseconds(Math.Min(_options.MaxQueueRetryDelayMs, 100 * Math.Pow(2, Math.Min(attempt - 1, 16))));
                _connectionState = ConnectionState.PausedQueueUnavailable;
                RecordError($"{step} cannot be read or reached: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
                Log.QueueWriteFailed(_logger, ex, Key, attempt, delay);
                try
                {
                    await Task.Delay(delay, _time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }
    }

    private async Task RegisterReminderAsync()
    {
        try
        {
            var period = TimeSpan.FromSeconds(_options.KeepAliveReminderSeconds);
            await this.RegisterOrUpdateReminder(ReminderName, period, period);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ReminderUnavailable(_logger, ex, Key);
        }
    }

    private async Task UnregisterReminderAsync()
    {
        try
        {
            if (await this.GetReminder(ReminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ReminderUnavailable(_logger, ex, Key);
        }
    }

    /// <summary>Waits, returning early (true) on a reconnect request and false when the grain stops.</summary>
    private async Task<bool> DelayUnlessWokenAsync(TimeSpan delay, CancellationToken wake, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, _time, wake);
        }
        catch (OperationCanceledException)
        {
        }

        return !stopping.IsCancellationRequested;
    }

    private ClientWebSocket CreateSocket()
    {
        var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        var half = TimeSpan.FromSeconds(_options.LivenessTimeoutSeconds / 2.0);
        ws.Options.KeepAliveInterval = half;
        ws.Options.KeepAliveTimeout = half;
        ws.Options.SetRequestHeader("User-Agent", "Jetstream.Orleans/" + typeof(JetstreamProcessorGrain).Assembly.GetName().Version);
        return ws;
    }

    private void RecordError(string message)
    {
        _lastError = message;
        _lastErrorAt = _time.GetUtcNow();
    }

    private Task CheckpointIfChangedAsync()
    {
        _receiveRate.Sample(Counters.TotalReceived);
        if (_deleted)
        {
            return Task.CompletedTask;
        }

        if (_countersChanged || _state.State.Cursor != _sink.Cursor)
        {
            _checkpoint.Request();
        }

        return Task.CompletedTask;
    }

    private async Task<bool> WriteCheckpointAsync()
    {
        if (_deleted)
        {
            return true;
        }

        _state.State.Cursor = _sink.Cursor;
        _commitsSinceCheckpoint = 0;
        _countersChanged = false;
        try
        {
            await _state.WriteStateAsync();
            return true;
        }
        catch (Orleans.Storage.InconsistentStateException ex)
        {
            // Another activation of this subscription wrote since this one read (a duplicate while a silo joined or
            // died). This one is reading and its cursor covers what it queued: take the stored ETag, keep its own
            // values, and write them at the next checkpoint. Left alone, every later write would fail the same way.
            _countersChanged = true;
            Log.CheckpointFailed(_logger, ex, Key);
            var mine = _state.State;
            try
            {
                await _state.ReadStateAsync();
            }
            catch (Exception readFailure)
            {
                Log.CheckpointFailed(_logger, readFailure, Key);
            }

            _state.State = mine;
            return false;
        }
        catch (Exception ex)
        {
            _countersChanged = true;
            Log.CheckpointFailed(_logger, ex, Key);
            return false;
        }
    }

    private ProcessorStats Snapshot() => Counters.ToStats(_sink.Cursor, _startedAt, _window) with { ReceivedPerSecond = _receiveRate.PerSecond(Counters.TotalReceived) };

    private double? LagSeconds(long? cursor) =>
        cursor is { } us ? Math.Max(0, (_time.GetUtcNow() - FromMicroseconds(us)).TotalSeconds) : null;

    private static DateTimeOffset FromMicroseconds(long us) => ProcessorCounters.FromMicroseconds(us);
}
