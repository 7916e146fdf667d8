using System.Diagnostics;
using System.Text;
using Jetstream.Storage;
using Jetstream.Grains.Connection;
using Jetstream.Grains.Events;
using Jetstream.Grains.Interfaces.Events;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// Decides what happens to one whole frame: parse error, replayed duplicate, skipped identity/account/non-matching
/// event, or a kept event (a matching commit, or an identity/account event the subscription forwards) handed to the <see cref="QueueSink"/>.
/// Returns the outcome (its caller counts it) and measures it. Logs rejected frames at most
/// <see cref="ParseErrorLogsPerMinute"/> times a minute.
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

    /// <summary>Repositories under backfill, whose commits are held (identity and account events are not: they carry no rev).</summary>
    public LiveSeam? Seam { get; init; }

    /// <summary>Forward what the wire carried (<c>Webhook:Body=raw</c>) instead of the v1 event JSON.</summary>
    public bool ForwardRaw { get; init; }

    /// <summary>Handles a frame: what it was, and so whether it was a new, valid event (the session is making progress).</summary>
    /// <param name="floor">Events at or before it were handled already (a replay on the cursor's own endpoint).</param>
    public FrameOutcome Handle(in WireFrame wireFrame, ResumeFloor floor, CancellationToken stopping)
    {
        switch (wireFrame.Kind)
        {
            case WireFrameKind.Oversize:
                metrics.Skipped("oversize");
                Log.OversizeFrame(logger, processorKey, wireFrame.Problem ?? "larger than Jetstream:MaxFrameBytes");
                return FrameOutcome.Oversize;
            case not WireFrameKind.Event:
                return RecordParseError(wireFrame.Problem ?? wireFrame.Kind.ToString(), wireFrame.Raw.Span);
        }

        var frame = wireFrame.Json.Span;
        var outcome = EventParser.Parse(frame, out var parsed);
        if (outcome != ParseOutcome.Ok)
        {
            return RecordParseError(outcome.ToString(), frame);
        }

        var seq = wireFrame.Seq;
        var body = ForwardRaw ? wireFrame.Raw.Span : frame;
        if (floor.Covers(parsed.TimeUs, seq))
        {
            metrics.Skipped("duplicate");
            return FrameOutcome.Duplicate;
        }

        switch (parsed.Kind)
        {
            case EventKind.Identity when !Filter.ForwardIdentity:
                metrics.Received(EventKinds.Identity);
                metrics.Skipped(EventKinds.Identity);
                sink.Skip(parsed.TimeUs, seq);
                return FrameOutcome.SkippedIdentity;
            case EventKind.Account when !Filter.ForwardAccount:
                metrics.Received(EventKinds.Account);
                metrics.Skipped(EventKinds.Account);
                sink.Skip(parsed.TimeUs, seq);
                return FrameOutcome.SkippedAccount;
            case EventKind.Identity or EventKind.Account:
                var kind = parsed.Kind == EventKind.Identity ? EventKinds.Identity : EventKinds.Account;
                metrics.Received(kind);
                var accountDid = parsed.Did.ToString(frame);
                return Queue(body, parsed, seq, accountDid, kind, EventIds.ForAccountOrIdentity(accountDid, kind, parsed.Body.RawSpan(frame)), stopping);
        }

        metrics.Received(EventKinds.Commit);
        if (!Filter.Collections.Matches(frame, parsed.Collection))
        {
            metrics.Skipped("non_matching");
            sink.Skip(parsed.TimeUs, seq);
            return FrameOutcome.SkippedNonMatching;
        }

        var did = parsed.Did.ToString(frame);
        var collection = parsed.Collection.ToString(frame);
        var eventId = EventIds.ForCommit(did, collection, parsed.Rkey.ToString(frame), parsed.Rev.ToString(frame), parsed.Operation.ToString(frame));
        if (Seam is { } handedOver && handedOver.WasHandedOver(did) && handedOver.InSnapshot(did, parsed.Rev.ToString(frame)))
        {
            metrics.Skipped("in_snapshot");
            sink.Skip(parsed.TimeUs, seq);
            return FrameOutcome.Duplicate;
        }

        var heldRev = Seam is { } seam && seam.IsHeld(did) ? parsed.Rev.ToString(frame) : null;
        return Queue(body, parsed, seq, did, collection, eventId, stopping, heldRev);
    }

    /// <summary>Queues a kept event unless it is a replayed duplicate; <paramref name="collection"/> is what it is counted under.</summary>
    private FrameOutcome Queue(ReadOnlySpan<byte> body, in ParsedEvent parsed, long? seq, string did, string collection, string eventId, CancellationToken stopping, string? heldRev = null)
    {
        if (!recentIds.Add(eventId, parsed.TimeUs))
        {
            metrics.Skipped("duplicate");
            sink.Skip(parsed.TimeUs, seq);
            return FrameOutcome.Duplicate;
        }

        using var activity = ProcessorMetrics.ActivitySource.StartActivity("jetstream.receive", ActivityKind.Producer);
        activity?.SetTag("jetstream.event_id", eventId);
        activity?.SetTag("jetstream.collection", collection);
        var queued = new QueuedEvent
        {
            EventId = eventId,
            QueuedAt = time.GetUtcNow(),
            Did = did,
            TimeUs = parsed.TimeUs,
            EventJson = body.ToArray(),
            TraceParent = activity?.Id,
        };
        if (heldRev is not null)
        {
            sink.Hold(queued, collection, heldRev, seq, stopping);
            return FrameOutcome.Held;
        }

        sink.Add(queued, collection, seq, stopping);
        return FrameOutcome.Queued;
    }

    private FrameOutcome RecordParseError(string reason, ReadOnlySpan<byte> frame)
    {
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

        return FrameOutcome.ParseError;
    }
}
