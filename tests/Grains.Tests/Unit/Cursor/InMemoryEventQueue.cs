using Jetstream.Storage;
using Jetstream.Grains.Processing;

namespace Jetstream.Grains.Tests.Unit.Cursor;

/// <summary>
/// The sink's queue port in memory: every write attempt is kept and stays in flight until the test acknowledges or
/// refuses it, so the order in which the queue answers is the test's to choose. Completions run inline (the tests
/// run with no synchronization context), as the grain's single scheduler would run them one at a time.
/// </summary>
public sealed class InMemoryEventQueue : IEventQueueWriter
{
    public QueueOptions Options { get; } = new() { MaxEventsPerMessage = 3 };

    /// <summary>Every attempt, in the order the sink made them (a retried message appears once per attempt).</summary>
    public List<Attempt> Attempts { get; } = [];

    /// <summary>Messages the queue holds: those of acknowledged attempts, in acknowledgement order.</summary>
    public List<IReadOnlyList<PendingEvent>> Messages { get; } = [];

    public string BlobNameFor(string eventId) => eventId + ".json";

    public Task WriteBlobAsync(string blobName, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task WriteAsync(IReadOnlyList<PendingEvent> events, BinaryData body, CancellationToken cancellationToken)
    {
        var attempt = new Attempt(this, [.. events]);
        Attempts.Add(attempt);
        return attempt.Answer.Task;
    }

    public sealed class Attempt(InMemoryEventQueue queue, IReadOnlyList<PendingEvent> events)
    {
        public IReadOnlyList<PendingEvent> Events { get; } = events;

        public TaskCompletionSource Answer { get; } = new();

        public long[] TimeUs => [.. Events.Select(e => e.Event.TimeUs)];

        public void Acknowledge()
        {
            queue.Messages.Add(Events);
            Answer.SetResult();
        }

        public void Refuse() => Answer.SetException(new InvalidOperationException("Storage refused the write (test)."));
    }
}
