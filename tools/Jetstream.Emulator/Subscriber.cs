using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;

namespace Jetstream.Emulator;

/// <summary>
/// One connection's life, common to both wires: a bounded outbox filled under the hub's lock and drained by a single
/// sender (one SendAsync per frame), the replay that precedes going live, and the ways a connection ends. What is
/// sent and what the client may send is the wire's business (<see cref="V1Subscriber"/>, <see cref="V2Subscriber"/>).
/// </summary>
internal abstract class Subscriber
{
    private const int ReplayBatch = 512;
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DropGrace = TimeSpan.FromSeconds(1);
    // [V2] handler.go: a frame write may take 5 s; the terminal error frame gets that long too.
    private static readonly TimeSpan FinalFrameTimeout = TimeSpan.FromSeconds(5);

    private readonly HttpContext _http;
    private readonly Outbox _outbox;
    private readonly ConnectionEnding _ending = new();
    private SubscriberSocket _socket = null!;
    private long _eventsSent;
    private readonly ByteCounters _counters = new();
    private long _resumeSeq;
    private volatile bool _replaying;

    protected Subscriber(EmulatorHub hub, HttpContext http, string url, int outboxCapacity)
    {
        Hub = hub;
        _http = http;
        Url = url;
        Id = hub.NextConnectionId();
        _outbox = new Outbox(outboxCapacity);
    }

    public int Id { get; }

    public string Url { get; }

    public int OutboxCapacity => _outbox.Capacity;

    public int OutboxCount => _outbox.Count;

    public long EventsSent => Interlocked.Read(ref _eventsSent);

    /// <summary>The seq a client would resume at: one past the last event this connection sent or passed over.</summary>
    public long ResumeSeq => Interlocked.Read(ref _resumeSeq);

    public abstract string Wire { get; }

    /// <summary>v1 clamps a replay the retention overtook, silently (§2.4); v2 must not skip events without saying so.</summary>
    public abstract bool ClampsBelowFloor { get; }

    protected EmulatorHub Hub { get; }

    public long BytesSent => _counters.Bytes;

    protected CancellationToken Stopping => _ending.Stopping;

    protected abstract string Compression { get; }

    protected virtual uint? DictionaryId => null;

    protected virtual string? Subprotocol => null;

    /// <summary>Called by the hub, under its lock, when the connection is registered.</summary>
    public void Start(CursorPlan plan, long nextSeq)
    {
        _replaying = !plan.IsLive;
        Interlocked.Exchange(ref _resumeSeq, plan.IsLive ? nextSeq : plan.StartSeq);
        Plan = plan;
    }

    public CursorPlan Plan { get; private set; }

    /// <summary>False when the outbox is full: the caller then calls <see cref="OnOutboxFull"/>.</summary>
    public bool TryEnqueue(LoggedEvent logged) => !Accepts(logged) || _outbox.TryAdd(logged);

    public bool TryEnqueueRaw(ReadOnlyMemory<byte> payload, bool binary) => _outbox.TryAddRaw(payload, binary);

    /// <summary>The wire's slow-consumer rule; true when the connection is ended by it (counted in the stats).</summary>
    public abstract bool OnOutboxFull();

    /// <summary>Sends a v2 <c>ConsumerTooSlow</c> error frame and ends; false on a wire that has none.</summary>
    public virtual bool SignalConsumerTooSlow() => false;

    public EmulatorConnection Describe() => new(
        Id, Wire, Url, Compression, DictionaryId, Subprotocol, _replaying, EventsSent, _counters.Frames, _counters.Bytes, _counters.UncompressedBytes);

    /// <summary>
    /// Serves the accepted socket until the connection ends; returns how it ended, for the log. The subscriber is
    /// registered before the upgrade, so events published while the handshake completes are already queued.
    /// </summary>
    public async Task<string> RunAsync(WebSocket socket)
    {
        _socket = new SubscriberSocket(socket, Hub.Options.FragmentBytes, _counters);
        var receiving = ReceiveLoopAsync();
        var sending = SendLoopAsync();
        if (await Task.WhenAny(sending, _ending.AbruptRequested) != sending
            && await Task.WhenAny(sending, Task.Delay(_ending.FinalFrame is null ? DropGrace : FinalFrameTimeout)) != sending)
        {
            // A sender stuck on a client that stopped reading never reaches its next check: cut the socket instead.
            _http.Abort();
        }

        var how = await sending;
        Hub.Remove(this);
        if (_ending.FinalFrame is { } final && !_http.RequestAborted.IsCancellationRequested)
        {
            // [V2] returns right after an error frame: the connection closes with no close frame.
            return await _socket.TrySendFinalAsync(EncodeControl(final()), FinalFrameTimeout) ? how : how + " (error frame not sent)";
        }

        if (how == "closed" && !await _socket.TryCloseAsync(_ending.CloseStatus, _ending.Reason, receiving, CloseHandshakeTimeout))
        {
            how = "closed (handshake not completed)";
        }

        // Returning without a close frame ends the connection with a plain TCP close, the way the real server
        // drops connections; frames already sent still reach the client.
        return how;
    }

    /// <summary>Ends the connection without a close frame once the frame being sent (if any) is out.</summary>
    public void Drop(string reason) => End(reason, finalFrame: null);

    /// <summary>Cuts the TCP connection at once, mid-frame if need be.</summary>
    public bool Abort(string reason)
    {
        if (!End(reason, finalFrame: null))
        {
            return false;
        }

        _http.Abort();
        return true;
    }

    /// <summary>
    /// Ends the connection after one last frame (a v2 error frame) and no close frame. The frame is made once the
    /// sender has stopped, so what it says (the cursor to resume at) matches what the client received.
    /// </summary>
    protected bool Terminate(Func<byte[]> errorFrame, string reason) => End(reason, errorFrame);

    protected void Close(WebSocketCloseStatus status, string reason) => _ending.TryClose(status, reason);

    /// <summary>Whether an event passes the connection's filter (checked when queued and when replayed).</summary>
    protected abstract bool Accepts(LoggedEvent logged);

    /// <summary>The frame for an event, or null to skip it (a size limit, a kind the wire does not carry).</summary>
    protected abstract SentFrame? Encode(LoggedEvent logged);

    protected virtual SentFrame EncodeControl(byte[] plain) => new(plain, WebSocketMessageType.Text, plain.Length);

    /// <summary>Runs before the first event is sent (v1: wait for the hello; v2: the OutdatedCursor notice).</summary>
    protected virtual Task BeforeStreamingAsync() => Task.CompletedTask;

    /// <summary>The retention overtook a replay that does not clamp.</summary>
    protected virtual void OnFellBelowFloor(long floorSeq)
    {
    }

    /// <summary>A whole message from the client (<paramref name="tooBig"/>: over 10 MB, its bytes not kept).</summary>
    protected abstract void OnClientMessage(WebSocketMessageType type, ReadOnlySpan<byte> message, bool tooBig);

    protected ValueTask SendAsync(SentFrame frame) => _socket.SendAsync(frame);

    private bool End(string reason, Func<byte[]>? finalFrame)
    {
        if (!_ending.TryEndAbruptly(reason, finalFrame))
        {
            return false;
        }

        Hub.Remove(this);
        return true;
    }

    private async Task<string> SendLoopAsync()
    {
        try
        {
            await BeforeStreamingAsync();
            if (!Plan.IsLive)
            {
                await ReplayAsync();
            }

            var reader = _outbox.Reader;
            while (await reader.WaitToReadAsync(Stopping))
            {
                while (!_ending.IsStopping && reader.TryRead(out var item))
                {
                    await (item.Event is { } logged ? SendEventAsync(logged) : SendAsync(new SentFrame(item.Raw, item.Type, item.Raw.Length)));
                }
            }

            return "ended";
        }
        catch (OperationCanceledException) when (_ending.IsStopping)
        {
            return _ending.Abrupt ? $"ended: {_ending.Reason}" : "closed";
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            _ending.MarkEnded();
            return _ending.Abrupt ? $"ended: {_ending.Reason}" : $"lost: {ex.Message}";
        }
    }

    private async Task ReplayAsync()
    {
        var batch = new List<LoggedEvent>(ReplayBatch);
        var seq = Plan.StartSeq;
        while (true)
        {
            Stopping.ThrowIfCancellationRequested();
            batch.Clear();
            var step = Hub.ReadOrGoLive(this, ref seq, batch, ReplayBatch);
            if (step != ReplayStep.Batch)
            {
                _replaying = false;
                if (step == ReplayStep.BelowFloor)
                {
                    OnFellBelowFloor(seq);
                    Stopping.ThrowIfCancellationRequested();
                }

                return;
            }

            foreach (var logged in batch)
            {
                Stopping.ThrowIfCancellationRequested();
                if (Accepts(logged))
                {
                    await SendEventAsync(logged);
                }
                else
                {
                    Interlocked.Exchange(ref _resumeSeq, logged.Seq + 1);
                }
            }
        }
    }

    private async ValueTask SendEventAsync(LoggedEvent logged)
    {
        if (Encode(logged) is { } frame)
        {
            await SendAsync(frame);
            Hub.CountSent();
            var sent = Interlocked.Increment(ref _eventsSent);
            var dropEvery = Hub.Options.DropEveryNEvents;
            if (dropEvery > 0 && sent >= dropEvery)
            {
                Drop($"DropEveryNEvents={dropEvery} reached");
            }
        }

        Interlocked.Exchange(ref _resumeSeq, logged.Seq + 1);
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            await ClientMessageReader.ReadAsync(_socket.Socket, OnClientMessage);
            // The client closes: answer with our close frame (the sender owns all sends).
            Close(WebSocketCloseStatus.NormalClosure, "");
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection is gone (client vanished, or we dropped it): stop sending too.
            _ending.Lost();
        }
    }
}
