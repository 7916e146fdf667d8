using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Events;

namespace Jetstream.Grains.Connection;

/// <summary>
/// Notices when the server no longer has what the cursor asked for (PROTOCOL.md §2.4, §3.1, §3.2), so no gap is
/// silent: a v2 <c>CursorTooOld</c> refusal (resume at the floor it names), <c>#info OutdatedCursor</c>, and a v1
/// resume whose first event is later than the cursor by more than the server keeps (v1 clamps without a word).
/// It also keeps the cursor a <c>ConsumerTooSlow</c> error names, to resume there.
/// </summary>
public sealed class SessionGaps(TimeSpan serverRetention, TimeProvider time)
{
    /// <summary>Cursors at or above this are unix µs on v2 (below, a seq; §3.1).</summary>
    private const long TimestampCursorFloor = 1_000_000_000_000_000;

    private readonly Dictionary<string, long> _resumeOverrides = new(StringComparer.Ordinal);
    private string _endpoint = "";
    private IJetstreamWire? _wire;
    private long? _requested;
    private bool _awaitingFirstEvent;
    private bool _outdatedCursor;

    /// <summary>A cursor the server told us to use on <paramref name="endpoint"/>, taken once.</summary>
    public long? ResumeOverride(string endpoint) => _resumeOverrides.Remove(endpoint, out var cursor) ? cursor : null;

    public void SessionStarted(string endpoint, IJetstreamWire wire, long? requested)
    {
        _endpoint = endpoint;
        _wire = wire;
        _requested = requested;
        _awaitingFirstEvent = requested is not null;
        _outdatedCursor = false;
    }

    /// <summary>The seq cursor is below the server's floor: resume at the floor, with the gap recorded.</summary>
    public StreamGap? CursorTooOld(string endpoint, long? requested, long? floor)
    {
        if (requested is not { } from || floor is not { } to)
        {
            return null;
        }

        _resumeOverrides[endpoint] = to;
        return Gap(endpoint, from, to, "CursorTooOld");
    }

    /// <summary>An <c>#info</c> notice; <c>OutdatedCursor</c> marks the session's start as clamped (the gap ends at the first event).</summary>
    public void Info(in WireFrame frame) => _outdatedCursor |= frame.Name == "OutdatedCursor";

    /// <summary>The gap before the session's first event, if there is one (checked once per session).</summary>
    public StreamGap? FirstEvent(in WireFrame frame)
    {
        if (!_awaitingFirstEvent || _requested is not { } requested)
        {
            return null;
        }

        _awaitingFirstEvent = false;
        var first = frame.TimeUs ?? (EventParser.Parse(frame.Json.Span, out var parsed) == ParseOutcome.Ok ? parsed.TimeUs : (long?)null);
        if (first is not { } to)
        {
            return null;
        }

        if (_outdatedCursor)
        {
            return Gap(_endpoint, requested, to, "OutdatedCursor");
        }

        var retentionUs = UnixMicroseconds.Of(serverRetention);
        return _wire is { SequenceCursor: false } && to - requested > retentionUs ? Gap(_endpoint, requested, to, "RetentionExceeded") : null;
    }

    /// <summary>A terminal error frame; <c>ConsumerTooSlow</c> names the cursor to resume at (no gap: nothing is skipped).</summary>
    public string ServerError(in WireFrame frame)
    {
        if (frame.Name == "ConsumerTooSlow" && new XrpcRejection(frame.Name, frame.Problem).NumberAfter("cursor=") is { } resume)
        {
            _resumeOverrides[_endpoint] = resume;
        }

        return $"{frame.Name}: {frame.Problem}";
    }

    private StreamGap Gap(string endpoint, long from, long to, string reason) => new()
    {
        From = from,
        To = to,
        Unit = from >= TimestampCursorFloor ? "time_us" : "seq",
        Reason = reason,
        Endpoint = endpoint,
        DetectedAt = time.GetUtcNow(),
    };
}
