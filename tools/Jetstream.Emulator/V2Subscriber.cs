using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;

namespace Jetstream.Emulator;

/// <summary>
/// A <c>subscribeEvents</c> connection (PROTOCOL.md §3.2): xrpc.v1.json message frames, compressed frame by frame when
/// a dictionary was asked for (info and error frames too); server-push only, so any data frame from the client closes
/// it with 1008. A consumer that falls <see cref="EmulatorOptions.ConsumerTooSlowLag"/> events behind, or is told to
/// by the control API, gets a <c>ConsumerTooSlow</c> error frame naming the cursor to resume at.
/// </summary>
internal sealed class V2Subscriber : Subscriber
{
    public const string SubprotocolName = "xrpc.v1.json";

    private readonly V2Filter _filter;
    private readonly ZstdFrameCompressor? _zstd;
    private readonly string? _subprotocol;

    public V2Subscriber(EmulatorHub hub, HttpContext http, string url, V2Filter filter, ZstdFrameCompressor? zstd, string? subprotocol)
        : base(hub, http, url, hub.Options.ConsumerTooSlowLag)
    {
        _filter = filter;
        _zstd = zstd;
        _subprotocol = subprotocol;
    }

    public override string Wire => EmulatorConnection.V2;

    public override bool ClampsBelowFloor => false;

    protected override string Compression => _zstd is null ? "none" : "zstd";

    protected override uint? DictionaryId => _zstd?.Dictionary.Id;

    protected override string? Subprotocol => _subprotocol;

    public override bool OnOutboxFull() => SignalConsumerTooSlow();

    public override bool SignalConsumerTooSlow() => Terminate(ConsumerTooSlowFrame, "ConsumerTooSlow");

    private byte[] ConsumerTooSlowFrame()
    {
        var resume = ResumeSeq;
        var lag = Math.Max(0, Hub.NextSeqUnlocked - resume);
        EmulatorLog.ConsumerTooSlow(Hub.Logger, Id, resume);
        // [V2] handler.go's wording, which clients may show to people.
        return V2FrameEncoder.Error("ConsumerTooSlow", $"reading below the floor rate {lag} events behind the tip; reconnect with cursor={resume}");
    }

    protected override bool Accepts(LoggedEvent logged) => _filter.Wants(logged);

    protected override SentFrame? Encode(LoggedEvent logged)
    {
        if (logged.Frames.V2() is not { } plain)
        {
            return null;
        }

        // v2 enforces the limit on the uncompressed frame, envelope included (§3.1).
        if (_filter.MaxMessageSizeBytes != 0 && plain.Length > _filter.MaxMessageSizeBytes)
        {
            return null;
        }

        return _zstd is null
            ? new SentFrame(plain, WebSocketMessageType.Text, plain.Length)
            : new SentFrame(logged.Frames.V2Zstd(_zstd)!, WebSocketMessageType.Binary, plain.Length);
    }

    protected override SentFrame EncodeControl(byte[] plain) =>
        _zstd is null
            ? new SentFrame(plain, WebSocketMessageType.Text, plain.Length)
            : new SentFrame(_zstd.Compress(plain), WebSocketMessageType.Binary, plain.Length);

    protected override async Task BeforeStreamingAsync()
    {
        if (Plan.Outdated)
        {
            // [V2] says so in-band, before the first event, instead of clamping silently.
            await SendAsync(EncodeControl(V2FrameEncoder.Info("OutdatedCursor", $"requested timestamp cursor below retention floor; starting at seq {Plan.StartSeq}")));
        }
    }

    protected override void OnFellBelowFloor(long floorSeq) =>
        // [V2] reports a replay it can no longer serve as an InternalError; the client's reconnect then gets CursorTooOld.
        Terminate(() => V2FrameEncoder.Error("InternalError", "archive replay unavailable; reconnect"), $"replay overtaken by retention (floor {floorSeq})");

    protected override void OnClientMessage(WebSocketMessageType type, ReadOnlySpan<byte> message, bool tooBig) =>
        Close(WebSocketCloseStatus.PolicyViolation, "unexpected data message");
}
