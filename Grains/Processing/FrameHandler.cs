using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Jetstream.EventQueue;
using Jetstream.Grains.Interfaces.Events;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// Decides what happens to one whole frame: parse error, replayed duplicate, skipped identity/account/non-matching
/// event, or a kept event (a matching commit, or an identity/account event the subscription forwards) handed to the <see cref="QueueSink"/>. Counts each outcome. Logs rejected frames at
/// most <see cref="ParseErrorLogsPerMinute"/> times a minute.
/// </summary>
public sealed class FrameHandler(
    QueueSink sink,
    EventFilter filter,
    RecentEventIds recentIds,
    TimeProvider time,
    ProcessorMetrics metrics,
    ILogger logger,
    string processorKey)
{
    public const int ParseErrorLogsPerMinute = 10;
    private const int PreviewBytes = 200;

    private long _parseErrorWindowStart;

    /// <summary>Replaced when the subscription's filter changes; applies from the next frame.</summary>
    public EventFilter Filter { get; set; } = filter;
    private int _parseErrorsLogged;
    private long _parseErrorsSuppressed;

    /// <summary>Handles a frame. Returns whether it was a new, valid event (the session is making progress).</summary>
    /// <param name="dedupeFloor">Events at or before it were handled already (a replay on the cursor's own endpoint).</param>
    public bool Handle(ReadOnlySpan<byte> frame, WebSocketMessageType type, long? dedupeFloor, ProcessorCounters counters, CancellationToken stopping)
    {
        counters.TotalReceived++;
        if (type != WebSocketMessageType.Text)
        {
            RecordParseError("unexpected binary frame", frame, counters);
            return false;
        }

        var outcome = EventParser.Parse(frame, out var parsed);
        if (outcome != ParseOutcome.Ok)
        {
            RecordParseError(outcome.ToString(), frame, counters);
            return false;
        }

        if (parsed.TimeUs <= dedupeFloor)
        {
            counters.DuplicatesDropped++;
            metrics.Skipped("duplicate");
            return false;
        }

        switch (parsed.Kind)
        {
            case EventKind.Identity when !Filter.ForwardIdentity:
                counters.SkippedIdentityEvents++;
                metrics.Received(EventKinds.Identity);
                metrics.Skipped(EventKinds.Identity);
                sink.Skip(parsed.TimeUs);
                return true;
            case EventKind.Account when !Filter.ForwardAccount:
                counters.SkippedAccountEvents++;
                metrics.Received(EventKinds.Account);
                metrics.Skipped(EventKinds.Account);
                sink.Skip(parsed.TimeUs);
                return true;
            case EventKind.Identity or EventKind.Account:
                var kind = parsed.Kind == EventKind.Identity ? EventKinds.Identity : EventKinds.Account;
                metrics.Received(kind);
                var accountDid = parsed.Did.ToString(frame);
                return Queue(frame, parsed, accountDid, kind, EventIds.ForAccountOrIdentity(accountDid, kind, parsed.Body.RawSpan(frame)), counters, stopping);
        }

        metrics.Received(EventKinds.Commit);
        if (!Filter.Collections.Matches(frame, parsed.Collection))
        {
            counters.SkippedNonMatchingCommits++;
            metrics.Skipped("non_matching");
            sink.Skip(parsed.TimeUs);
            return true;
        }

        var did = parsed.Did.ToString(frame);
        var collection = parsed.Collection.ToString(frame);
        var eventId = EventIds.ForCommit(did, collection, parsed.Rkey.ToString(frame), parsed.Rev.ToString(frame), parsed.Operation.ToString(frame));
        return Queue(frame, parsed, did, collection, eventId, counters, stopping);
    }

    /// <summary>Queues a kept event unless it is a replayed duplicate; <paramref name="collection"/> is what it is counted under.</summary>
    private bool Queue(ReadOnlySpan<byte> frame, in ParsedEvent parsed, string did, string collection, string eventId, ProcessorCounters counters, CancellationToken stopping)
    {
        if (!recentIds.Add(eventId, parsed.TimeUs))
        {
            counters.DuplicatesDropped++;
            metrics.Skipped("duplicate");
            sink.Skip(parsed.TimeUs);
            return false;
        }

        using var activity = ProcessorMetrics.ActivitySource.StartActivity("jetstream.receive", ActivityKind.Producer);
        activity?.SetTag("jetstream.event_id", eventId);
        activity?.SetTag("jetstream.collection", collection);
        sink.Add(
            new QueuedEvent
            {
                EventId = eventId,
                QueuedAt = time.GetUtcNow(),
                Did = did,
                TimeUs = parsed.TimeUs,
                EventJson = frame.ToArray(),
                TraceParent = activity?.Id,
            },
            collection,
            stopping);
        return true;
    }

    private void RecordParseError(string reason, ReadOnlySpan<byte> frame, ProcessorCounters counters)
    {
        counters.ParseErrors++;
        metrics.ParseError(reason);
        var now = time.GetTimestamp();
        if (time.GetElapsedTime(_parseErrorWindowStart, now) >= TimeSpan.FromMinutes(1))
        {
            if (_parseErrorsSuppressed > 0)
            {
                Log.ParseErrorsSuppressed(logger, processorKey, _parseErrorsSuppressed);
            }

            _parseErrorWindowStart = now;
            _parseErrorsLogged = 0;
            _parseErrorsSuppressed = 0;
        }

        if (_parseErrorsLogged++ < ParseErrorLogsPerMinute)
        {
            Log.ParseError(logger, processorKey, reason, frame.Length, Encoding.UTF8.GetString(frame[..Math.Min(frame.Length, PreviewBytes)]));
        }
        else
        {
            _parseErrorsSuppressed++;
        }
    }
}
