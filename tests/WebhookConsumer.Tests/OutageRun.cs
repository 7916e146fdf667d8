using Jetstream.Storage;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>What an <see cref="OutageFlow"/> queued, in order, and when its receiver went down and came back.</summary>
internal sealed record OutageRun(IReadOnlyList<QueuedEvent> Sent, DateTimeOffset Down, DateTimeOffset Back)
{
    public TimeSpan DownFor => Back - Down;

    /// <summary>The ids of the events queued before the receiver came back: the backlog its outage left.</summary>
    public HashSet<string> Backlog => [.. Sent.Where(e => e.QueuedAt < Back).Select(e => e.EventId)];
}
