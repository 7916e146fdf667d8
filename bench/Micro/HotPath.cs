using System.Diagnostics;
using Jetstream.Storage;
using Jetstream.Grains;
using Jetstream.Grains.Interfaces.Events;
using Jetstream.Grains.Connection;
using Jetstream.Grains.Events;
using Jetstream.Grains.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Jetstream.Bench.Micro;

/// <summary>
/// The processor's per-frame work. Skipped events (identity, account, non-matching commits) go through the grain's own
/// <see cref="FrameHandler"/>. A matching commit goes through the same steps as <see cref="FrameHandler.Handle"/> up to
/// the queue write (strings, <see cref="EventIds.ForCommit"/>, <see cref="RecentEventIds"/>, the <see cref="QueuedEvent"/>
/// with its copy of the frame); instead of <see cref="QueueSink.Add"/>, which would start a storage write, the events are
/// collected and <see cref="EncodeBatch"/> packs the message body as QueueSink does, in either message version.
/// </summary>
public sealed class HotPath
{
    private readonly ProcessorCounters _counters = new();
    private readonly ProcessorMetrics _metrics;
    private readonly QueueSink _sink;
    private readonly Utf8CollectionMatcher _matcher;
    private readonly RecentEventIds _recentIds = new(0);
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly FrameHandler _handler;
    private readonly List<QueuedEvent> _batch = new(64);
    private readonly ConnectionTracker _tracker = new();
    private readonly MessagePacker _plainPacker = MessagePacker.Create(QueueMessageCodec.PlainVersion, new QueueOptions().MaxMessageBytes, 1000);
    private readonly MessagePacker _compressedPacker = MessagePacker.Create(QueueMessageCodec.CompressedVersion, new QueueOptions().MaxMessageBytes, 1000);
    private long _clock;

    public HotPath(string[] wantedCollections)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _metrics = new ProcessorMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), _time);
        var clients = new EventQueueClients(new StorageConnection(StorageConnection.DevelopmentStorage), new QueueOptions(), new Jetstream.Storage.Subscriptions.SubscriptionOptions(), "default");
        _sink = new QueueSink(new StorageEventQueueWriter(clients), 4, TimeSpan.FromSeconds(5), _time, _metrics, NullLogger.Instance, "bench");
        _matcher = new Utf8CollectionMatcher(new CollectionFilter(wantedCollections));
        _handler = new FrameHandler(_sink, new EventFilter(_matcher, identity: false, account: false), new RecentEventIds(0), _time, _metrics, NullLogger.Instance, "bench");
    }

    /// <summary>A frame the processor does not queue, through the grain's own <see cref="FrameHandler"/>.</summary>
    public bool HandleSkipped(ReadOnlyMemory<byte> frame) =>
        Count(_handler.Handle(new WireFrame(WireFrameKind.Event, frame, frame), ResumeFloor.None, CancellationToken.None));

    /// <summary>
    /// A frame as the connection turns it into a <see cref="WireFrame"/> — zstd-decoded with the connection's one decoder
    /// when <paramref name="decoder"/> is set, converted to v1 JSON by the v2 wire — then handled like
    /// <see cref="HandleSkipped"/>. The difference with the plain v1 case is the decoding's cost.
    /// </summary>
    public bool ReadAndHandleSkipped(ReadOnlyMemory<byte> message, IJetstreamWire wire, ZstdFrameDecoder? decoder) =>
        Count(_handler.Handle(
            FrameReading.Read(message, decoder is null ? System.Net.WebSockets.WebSocketMessageType.Text : System.Net.WebSockets.WebSocketMessageType.Binary, decoder, wire, _tracker),
            ResumeFloor.None,
            CancellationToken.None));

    /// <summary>Counted as the grain counts it; true for a skipped (valid, new) event.</summary>
    private bool Count(FrameOutcome outcome)
    {
        _counters.Count(outcome);
        return outcome is FrameOutcome.SkippedIdentity or FrameOutcome.SkippedAccount or FrameOutcome.SkippedNonMatching or FrameOutcome.Queued;
    }

    /// <summary>A matching commit, as <see cref="FrameHandler.Handle"/> treats it up to the queue write.</summary>
    public bool HandleMatching(ReadOnlySpan<byte> frame)
    {
        _counters.TotalReceived++;
        if (EventParser.Parse(frame, out var parsed) != ParseOutcome.Ok || parsed.Kind != EventKind.Commit || !_matcher.Matches(frame, parsed.Collection))
        {
            throw new InvalidOperationException("Not a matching commit.");
        }

        _metrics.Received(EventKinds.Commit);
        var did = parsed.Did.ToString(frame);
        var collection = parsed.Collection.ToString(frame);
        var eventId = EventIds.ForCommit(did, collection, parsed.Rkey.ToString(frame), parsed.Rev.ToString(frame), parsed.Operation.ToString(frame));

        // The sample frames come round again: stream time moves on per frame so the window forgets them, as it would live.
        var timeUs = ++_clock;
        if (!_recentIds.Add(eventId, timeUs))
        {
            return false;
        }

        using var activity = ProcessorMetrics.ActivitySource.StartActivity("jetstream.receive", ActivityKind.Producer);
        var queued = new QueuedEvent
        {
            EventId = eventId,
            QueuedAt = _time.GetUtcNow(),
            Did = did,
            TimeUs = parsed.TimeUs,
            EventJson = frame.ToArray(),
            TraceParent = activity?.Id,
        };
        _ = new PendingEvent(queued, collection, default);
        _ = QueueMessageCodec.EstimateSize(queued);
        _batch.Add(queued);
        return true;
    }

    /// <summary>
    /// The message body of the collected batch in <paramref name="version"/>, packed as QueueSink packs it (one
    /// <see cref="MessagePacker"/> kept, as the sink keeps one); version 2 compresses here.
    /// </summary>
    public BinaryData EncodeBatch(int version = QueueMessageCodec.PlainVersion)
    {
        var packer = version == QueueMessageCodec.PlainVersion ? _plainPacker : _compressedPacker;
        foreach (var queued in _batch)
        {
            if (!packer.TryAdd(queued))
            {
                throw new InvalidOperationException("The batch does not fit one message.");
            }
        }

        var body = packer.Finish();
        _batch.Clear();
        return body;
    }
}
