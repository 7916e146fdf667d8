namespace Jetstream.Grains.Events;

/// <summary>The envelope fields of one Jetstream event, as positions in its frame (no allocation).</summary>
public readonly record struct ParsedEvent(
    long TimeUs,
    EventKind Kind,
    Utf8Slice Did,
    Utf8Slice Collection,
    Utf8Slice Operation,
    Utf8Slice Rkey,
    Utf8Slice Rev,
    Utf8Slice Body = default);
