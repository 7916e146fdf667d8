using System.Diagnostics;

namespace Jetstream.Grains.Processing;

/// <summary>
/// One write of the <see cref="QueueSink"/> in its line of writes: a queue message (<see cref="Body"/>), or a held
/// commit (no body, no events counted). Once it and those before it are acknowledged the position moves to its end.
/// </summary>
[DebuggerDisplay("{Events.Count} events up to {TimeUsAfter}")]
internal sealed class SinkBatch(List<PendingEvent> events, BinaryData? body, long timeUsAfter, long? seqAfter, string? endpoint)
{
    public List<PendingEvent> Events { get; } = events;

    public BinaryData? Body { get; } = body;

    public long TimeUsAfter { get; } = timeUsAfter;

    public long? SeqAfter { get; } = seqAfter;

    public string? Endpoint { get; } = endpoint;

    /// <summary>The DIDs it carries (<see cref="DidWriteOrder"/>): its events', or the held commit's.</summary>
    public IReadOnlyCollection<string> Dids { get; init; } = [];

    public Task Completion { get; set; } = Task.CompletedTask;
}
