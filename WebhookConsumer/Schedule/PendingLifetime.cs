namespace Jetstream.WebhookConsumer.Schedule;

/// <summary>
/// How long one subscription's per-DID memory (<see cref="PendingEvents"/>) keeps an event it saw fail or held back,
/// in case its message went to another consumer. Past its due time, a message is visible again within the
/// whole-second rounding of its visibility, and a receive then brings it unless older-visible messages come first or
/// the loop is not receiving. So an entry lives for a grace (that rounding and two poll intervals) after its due time,
/// and beyond it until the loop has seen its queue to the end since the event came due (a receive that brought fewer
/// messages than it asked for, issued with nothing in hand or being settled: <c>SubscriptionLoop</c> passes no other):
/// only then can the message be elsewhere. That wait is capped at a visibility timeout,
/// the longest another consumer keeps a message unseen, so a queue that never empties cannot hold a DID for ever.
/// Without it, an event due while the endpoint's circuit kept the loop from receiving, or behind the backlog an outage
/// leaves, was forgotten before it could come back, and its DID's later events went first (issue 19).
/// </summary>
internal sealed class PendingLifetime(TimeSpan grace, TimeSpan maxWaitForQueue)
{
    // Azure counts visibility in whole seconds: a message due at t is visible by t + 1 s.
    private static readonly TimeSpan VisibilityRounding = TimeSpan.FromSeconds(1);

    private long _drainedAtTicks;

    public TimeSpan Grace => grace;

    /// <summary>The start of the last receive that brought every visible message (fewer than it asked for).</summary>
    public DateTimeOffset DrainedAt => new(Interlocked.Read(ref _drainedAtTicks), TimeSpan.Zero);

    /// <summary>A receive issued at <paramref name="receivedAt"/> brought fewer messages than it asked for.</summary>
    public void Drained(DateTimeOffset receivedAt)
    {
        var ticks = receivedAt.UtcTicks;
        var seen = Interlocked.Read(ref _drainedAtTicks);
        while (ticks > seen)
        {
            var was = Interlocked.CompareExchange(ref _drainedAtTicks, ticks, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }

    /// <summary>Whether an entry due at <paramref name="due"/>, with its grace ending at <paramref name="until"/>, still holds its DID.</summary>
    public bool IsLive(DateTimeOffset due, DateTimeOffset until, DateTimeOffset now) =>
        now < until || (now < until + maxWaitForQueue && DrainedAt < due + VisibilityRounding);
}
