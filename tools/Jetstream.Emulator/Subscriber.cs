using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace Jetstream.Emulator;

/// <summary>
/// One <c>/subscribe</c> connection: a bounded outbox drained by a single sender (one SendAsync per event, bytes
/// serialised once at publish), and a reader for <c>options_update</c> messages (PROTOCOL.md §2.6).
/// </summary>
internal sealed class Subscriber
{
    private const int MaxClientMessageBytes = 10_000_000;
    private const int MaxCloseReasonBytes = 123;
    private const int ReplayBatch = 512;
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DropGrace = TimeSpan.FromSeconds(1);

    private readonly EmulatorHub _hub;
    private readonly HttpContext _http;
    private WebSocket _socket = null!;
    private readonly Channel<OutboxItem> _outbox;
    private readonly TaskCompletionSource _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _dropRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _requireHello;
    private readonly uint _maxMessageSizeBytes;
    private volatile SubscriberFilter _filter;
    private int _ending;
    private bool _abrupt;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "";
    private long _eventsSent;

    public Subscriber(EmulatorHub hub, HttpContext http, SubscriberFilter filter, uint maxMessageSizeBytes, bool requireHello)
    {
        _hub = hub;
        _http = http;
        _filter = filter;
        _maxMessageSizeBytes = maxMessageSizeBytes;
        _requireHello = requireHello;
        Id = hub.NextConnectionId();
        _outbox = Channel.CreateBounded<OutboxItem>(new BoundedChannelOptions(hub.Options.OutboxCapacity)
        {
            SingleReader = true,
            // Every write happens under the hub's lock.
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public int Id { get; }

    /// <summary>Absolute log position to replay from, or -1 for a live-tail connection.</summary>
    public long ReplayPosition { get; set; } = -1;

    public int OutboxCount => _outbox.Reader.Count;

    public long EventsSent => Interlocked.Read(ref _eventsSent);

    /// <summary>False when the outbox is full: the caller then drops this slow consumer.</summary>
    public bool TryEnqueue(LoggedEvent logged) =>
        !Wants(logged) || _outbox.Writer.TryWrite(new OutboxItem(logged.Utf8, WebSocketMessageType.Text, IsEvent: true));

    public bool TryEnqueueRaw(ReadOnlyMemory<byte> payload, bool binary) =>
        _outbox.Writer.TryWrite(new OutboxItem(payload, binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, IsEvent: false));

    /// <summary>
    /// Serves the accepted socket until the connection ends; returns how it ended, for the log. The subscriber is
    /// registered before the upgrade, so events published while the handshake completes are already queued.
    /// </summary>
    public async Task<string> RunAsync(WebSocket socket)
    {
        _socket = socket;
        var receiving = ReceiveLoopAsync();
        var sending = SendLoopAsync();
        if (await Task.WhenAny(sending, _dropRequested.Task) != sending
            && await Task.WhenAny(sending, Task.Delay(DropGrace)) != sending)
        {
            // A sender stuck on a client that stopped reading never reaches its next check: cut the socket instead.
            _http.Abort();
        }

        var how = await sending;
        _hub.Remove(this);
        if (how == "closed")
        {
            try
            {
                await _socket.CloseOutputAsync(_closeStatus, _closeReason, CancellationToken.None);
                await receiving.WaitAsync(CloseHandshakeTimeout);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or TimeoutException or ObjectDisposedException)
            {
                how = "closed (handshake not completed)";
            }
        }

        // Returning without a close frame ends the connection with a plain TCP close, the way the real server
        // drops connections; frames already sent still reach the client.
        return how;
    }

    /// <summary>Ends the connection without a close frame once the frame being sent (if any) is out.</summary>
    public void Drop(string reason)
    {
        if (Interlocked.Exchange(ref _ending, 1) != 0)
        {
            return;
        }

        _abrupt = true;
        _closeReason = reason;
        _hub.Remove(this);
        _stop.Cancel();
        _dropRequested.TrySetResult();
    }

    /// <summary>The real server's slow-consumer path: the TCP connection is cut at once (§2.8).</summary>
    public bool AbortSlowConsumer()
    {
        if (Interlocked.Exchange(ref _ending, 1) != 0)
        {
            return false;
        }

        _abrupt = true;
        _closeReason = $"outbox of {_hub.Options.OutboxCapacity} events full";
        _hub.Remove(this);
        EmulatorLog.SlowConsumerDropped(_hub.Logger, Id, _hub.Options.OutboxCapacity);
        _stop.Cancel();
        _http.Abort();
        return true;
    }

    private void Close(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.Exchange(ref _ending, 1) != 0)
        {
            return;
        }

        _closeStatus = status;
        _closeReason = Truncate(reason);
        _stop.Cancel();
    }

    private bool Wants(LoggedEvent logged) =>
        (_maxMessageSizeBytes == 0 || logged.Utf8.Length <= _maxMessageSizeBytes) && _filter.Wants(logged);

    private async Task<string> SendLoopAsync()
    {
        try
        {
            if (_requireHello)
            {
                await _hello.Task.WaitAsync(_stop.Token);
            }

            if (ReplayPosition >= 0)
            {
                await ReplayAsync();
            }

            var reader = _outbox.Reader;
            while (await reader.WaitToReadAsync(_stop.Token))
            {
                while (!_stop.IsCancellationRequested && reader.TryRead(out var item))
                {
                    await SendAsync(item);
                }
            }

            return "ended";
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return _abrupt ? $"dropped: {_closeReason}" : "closed";
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            Volatile.Write(ref _ending, 1);
            return _abrupt ? $"dropped: {_closeReason}" : $"lost: {ex.Message}";
        }
    }

    private async Task ReplayAsync()
    {
        var batch = new List<LoggedEvent>(ReplayBatch);
        var position = ReplayPosition;
        while (true)
        {
            _stop.Token.ThrowIfCancellationRequested();
            batch.Clear();
            if (_hub.ReadOrGoLive(this, ref position, batch, ReplayBatch))
            {
                return;
            }

            foreach (var logged in batch)
            {
                _stop.Token.ThrowIfCancellationRequested();
                if (Wants(logged))
                {
                    await SendAsync(new OutboxItem(logged.Utf8, WebSocketMessageType.Text, IsEvent: true));
                }
            }
        }
    }

    private async ValueTask SendAsync(OutboxItem item)
    {
        await _socket.SendAsync(item.Payload, item.Type, endOfMessage: true, CancellationToken.None);
        if (!item.IsEvent)
        {
            return;
        }

        _hub.CountSent();
        var sent = Interlocked.Increment(ref _eventsSent);
        var dropEvery = _hub.Options.DropEveryNEvents;
        if (dropEvery > 0 && sent >= dropEvery)
        {
            Drop($"DropEveryNEvents={dropEvery} reached");
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var message = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // The client closes: answer with our close frame (the sender owns all sends).
                    Close(WebSocketCloseStatus.NormalClosure, "");
                    return;
                }

                if (message.WrittenCount + result.Count <= MaxClientMessageBytes)
                {
                    message.Write(buffer.AsSpan(0, result.Count));
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                // Binary frames and frames above 10 MB are ignored, as on the real server.
                if (result.MessageType == WebSocketMessageType.Text && message.WrittenCount < MaxClientMessageBytes)
                {
                    HandleClientMessage(message.WrittenSpan);
                }

                message.ResetWrittenCount();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection is gone (client vanished, or we dropped it): stop sending too.
            if (Interlocked.Exchange(ref _ending, 1) == 0)
            {
                _abrupt = true;
                _closeReason = "client went away";
                _stop.Cancel();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void HandleClientMessage(ReadOnlySpan<byte> utf8)
    {
        SubscriberSourcedMessage? message;
        OptionsUpdatePayload? payload;
        try
        {
            message = JsonSerializer.Deserialize(utf8, EmulatorJsonContext.Default.SubscriberSourcedMessage);
            if (message?.Type != "options_update")
            {
                EmulatorLog.IgnoredClientMessage(_hub.Logger, Id, message?.Type);
                return;
            }

            if (message.Payload.ValueKind == JsonValueKind.Undefined)
            {
                throw new JsonException("options_update has no payload");
            }

            payload = message.Payload.Deserialize(EmulatorJsonContext.Default.OptionsUpdatePayload);
        }
        catch (JsonException ex)
        {
            RejectOptions(ex.Message);
            return;
        }

        var filter = SubscriberFilter.TryCreate(payload?.WantedCollections ?? [], payload?.WantedDids ?? [], out var error);
        if (filter is null)
        {
            RejectOptions(error!);
            return;
        }

        // Like the legacy server, an update replaces both filters and ignores maxMessageSizeBytes (§2.6).
        _filter = filter;
        _hub.CountOptionsUpdate();
        EmulatorLog.OptionsUpdated(_hub.Logger, Id, payload?.WantedCollections?.Length ?? 0, payload?.WantedDids?.Length ?? 0, !_hello.Task.IsCompleted);
        _hello.TrySetResult();
    }

    private void RejectOptions(string error)
    {
        var reason = $"failed to parse subscriber options: {error}";
        EmulatorLog.OptionsRejected(_hub.Logger, Id, reason);
        Close(WebSocketCloseStatus.NormalClosure, reason);
    }

    private static string Truncate(string reason)
    {
        if (Encoding.UTF8.GetByteCount(reason) <= MaxCloseReasonBytes)
        {
            return reason;
        }

        var end = reason.Length;
        while (Encoding.UTF8.GetByteCount(reason.AsSpan(0, end)) > MaxCloseReasonBytes)
        {
            end--;
        }

        if (end > 0 && char.IsHighSurrogate(reason[end - 1]))
        {
            end--;
        }

        return reason[..end];
    }
}
