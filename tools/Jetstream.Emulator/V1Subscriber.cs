using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Jetstream.Emulator;

/// <summary>
/// A <c>/subscribe</c> connection (PROTOCOL.md §2): one text frame per event, or with zstd one binary frame holding
/// one zstd frame; filters replaced by <c>options_update</c>; <c>requireHello</c>; a full outbox cuts the TCP
/// connection with no close frame (§2.8). <c>#sync</c> events never go out on this wire (§2.3).
/// </summary>
internal sealed class V1Subscriber : Subscriber
{
    private readonly TaskCompletionSource _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _requireHello;
    private readonly uint _maxMessageSizeBytes;
    private readonly ZstdFrameCompressor? _zstd;
    private readonly bool _cursorField;
    private volatile SubscriberFilter _filter;

    public V1Subscriber(EmulatorHub hub, HttpContext http, string url, SubscriberFilter filter, uint maxMessageSizeBytes, bool requireHello, ZstdFrameCompressor? zstd)
        : base(hub, http, url, hub.Options.OutboxCapacity)
    {
        _filter = filter;
        _maxMessageSizeBytes = maxMessageSizeBytes;
        _requireHello = requireHello;
        _zstd = zstd;
        _cursorField = hub.Options.V2StyleSubscribe;
    }

    public override string Wire => EmulatorConnection.V1;

    public override bool ClampsBelowFloor => true;

    protected override string Compression => _zstd is null ? "none" : "zstd";

    protected override uint? DictionaryId => _zstd?.Dictionary.Id;

    public override bool OnOutboxFull()
    {
        if (!Abort($"outbox of {OutboxCapacity} events full"))
        {
            return false;
        }

        EmulatorLog.SlowConsumerDropped(Hub.Logger, Id, OutboxCapacity);
        return true;
    }

    protected override bool Accepts(LoggedEvent logged) => logged.Kind != "sync" && _filter.Wants(logged);

    protected override SentFrame? Encode(LoggedEvent logged)
    {
        var plain = logged.Frames.V1(_cursorField);
        var frame = _zstd is null
            ? new SentFrame(plain, WebSocketMessageType.Text, plain.Length)
            : new SentFrame(logged.Frames.V1Zstd(_cursorField, _zstd), WebSocketMessageType.Binary, plain.Length);
        // The legacy server compares the limit with the bytes it sends: the compressed size for zstd (§2.1).
        return _maxMessageSizeBytes == 0 || frame.Payload.Length <= _maxMessageSizeBytes ? frame : null;
    }

    protected override async Task BeforeStreamingAsync()
    {
        if (_requireHello)
        {
            await _hello.Task.WaitAsync(Stopping);
        }
    }

    protected override void OnClientMessage(WebSocketMessageType type, ReadOnlySpan<byte> message, bool tooBig)
    {
        // Binary frames and frames above 10 MB are ignored, as on the real server.
        if (type != WebSocketMessageType.Text || tooBig)
        {
            return;
        }

        SubscriberSourcedMessage? parsed;
        OptionsUpdatePayload? payload;
        try
        {
            parsed = JsonSerializer.Deserialize(message, EmulatorJsonContext.Default.SubscriberSourcedMessage);
            if (parsed?.Type != "options_update")
            {
                EmulatorLog.IgnoredClientMessage(Hub.Logger, Id, parsed?.Type);
                return;
            }

            if (parsed.Payload.ValueKind == JsonValueKind.Undefined)
            {
                throw new JsonException("options_update has no payload");
            }

            payload = parsed.Payload.Deserialize(EmulatorJsonContext.Default.OptionsUpdatePayload);
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
        Hub.CountOptionsUpdate();
        EmulatorLog.OptionsUpdated(Hub.Logger, Id, payload?.WantedCollections?.Length ?? 0, payload?.WantedDids?.Length ?? 0, !_hello.Task.IsCompleted);
        _hello.TrySetResult();
    }

    private void RejectOptions(string error)
    {
        var reason = $"failed to parse subscriber options: {error}";
        EmulatorLog.OptionsRejected(Hub.Logger, Id, reason);
        Close(WebSocketCloseStatus.NormalClosure, reason);
    }
}
