using System.Diagnostics;
using Jetstream.EventQueue;
using Jetstream.Grains;
using Jetstream.Grains.Interfaces.Events;
using Jetstream.Grains.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Jetstream.Bench.Micro;

/// <summary>
/// The processor grain's per-frame work (<c>JetstreamProcessorGrain.HandleFrame</c>), step for step, with the same
/// parts: <see cref="EventParser"/>, <see cref="Utf8CollectionMatcher"/>, the counters, <see cref="ProcessorMetrics"/>,
/// the <see cref="QueueSink"/> cursor, <see cref="RecentEventIds"/>, <see cref="EventIds.ForCommit"/> and the
/// <see cref="QueuedEvent"/>. Only the queue write itself is left out: matching commits are collected into a batch
/// that <see cref="EncodeBatch"/> turns into a message body as QueueSink does.
/// </summary>
public sealed class HotPath
{
    private readonly ProcessorCounters _counters = new();
    private readonly ProcessorMetrics _metrics;
    private readonly QueueSink _sink;
    private readonly Utf8CollectionMatcher _matcher;
    private readonly RecentEventIds _recentIds = new(0);
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly List<QueuedEvent> _batch = new(64);
    private long _clock;

    public HotPath(string[] wantedCollections)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _metrics = new ProcessorMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), _time);
        var clients = new EventQueueClients(new StorageConnection(StorageConnection.DevelopmentStorage), Options.Create(new QueueOptions()));
        _sink = new QueueSink(clients, 4, TimeSpan.FromSeconds(5), _time, _metrics, NullLogger.Instance, "bench");
        _matcher = new Utf8CollectionMatcher(new CollectionFilter(wantedCollections));
    }

    public int Batched => _batch.Count;

    /// <summary>Returns whether the frame was a new, valid event (as HandleFrame does).</summary>
    public bool Handle(ReadOnlySpan<byte> frame)
    {
        var counters = _counters;
        counters.TotalReceived++;
        var outcome = EventParser.Parse(frame, out var parsed);
        if (outcome != ParseOutcome.Ok)
        {
            counters.ParseErrors++;
            return false;
        }

        // Stream time moves on with every frame, as it does live; the same sample frames are reused.
        var timeUs = ++_clock;
        switch (parsed.Kind)
        {
            case EventKind.Identity:
                counters.SkippedIdentityEvents++;
                _metrics.Received(EventKinds.Identity);
                _metrics.Skipped(EventKinds.Identity);
                _sink.Skip(timeUs);
                return true;
            case EventKind.Account:
                counters.SkippedAccountEvents++;
                _metrics.Received(EventKinds.Account);
                _metrics.Skipped(EventKinds.Account);
                _sink.Skip(timeUs);
                return true;
        }

        _metrics.Received(EventKinds.Commit);
        if (!_matcher.Matches(frame, parsed.Collection))
        {
            counters.SkippedNonMatchingCommits++;
            _metrics.Skipped("non_matching");
            _sink.Skip(timeUs);
            return true;
        }

        var did = parsed.Did.ToString(frame);
        var collection = parsed.Collection.ToString(frame);
        var eventId = EventIds.ForCommit(did, collection, parsed.Rkey.ToString(frame), parsed.Rev.ToString(frame), parsed.Operation.ToString(frame));
        if (_recentIds.Contains(eventId))
        {
            counters.DuplicatesDropped++;
            return false;
        }

        _recentIds.Add(eventId, timeUs);
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

    /// <summary>The message body of the collected batch, built as QueueSink.SendAsync builds it.</summary>
    public BinaryData EncodeBatch()
    {
        var body = QueueMessageCodec.Encode(_batch.ToArray());
        _batch.Clear();
        return body;
    }
}
