using Jetstream.Storage;
using Jetstream.WebhookConsumer.Receive;

namespace Jetstream.WebhookConsumer.Settle;

/// <summary>
/// The settler's decision for one received message, made from its events' outcomes alone (no storage call), so the
/// rules are in one place: the events to dead-letter first, then delete, put back, rewrite or keep in hand what is left.
/// </summary>
/// <param name="DeadLetters">Written to the poison queue before anything else happens to the message.</param>
/// <param name="Parts">For <see cref="MessageAction.Rewrite"/> (and a changed <see cref="MessageAction.Keep"/>): the bodies of what is left, the first replacing the message.</param>
/// <param name="DueAt">When the earliest event left in it is due (for <see cref="MessageAction.PutBack"/>).</param>
internal sealed record MessageDecision(MessageAction Action, IReadOnlyList<QueuedEvent> DeadLetters, IReadOnlyList<MessageRewrite.Part>? Parts, DateTimeOffset DueAt)
{
    /// <param name="outcomes">The last outcome of each of <paramref name="message"/>'s events, in the message's order.</param>
    /// <param name="keepUntil">While the endpoint's circuit is open, its next probe; null otherwise.</param>
    public static MessageDecision For(ReceivedMessage message, IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset? keepUntil, int maxMessageBytes)
    {
        var deadLetters = outcomes.Where(o => o.Kind == EventOutcome.DeadLetter).Select(o => o.Updated).ToArray();
        var remaining = outcomes.Where(o => o.Remains).Select(o => (o.Updated, o.DueAt)).ToArray();
        if (remaining.Length == 0)
        {
            return new MessageDecision(MessageAction.Delete, deadLetters, null, DateTimeOffset.MinValue);
        }

        // A held event changes too when the circuit stamped the start of its wait (firstAttemptAt).
        var changed = outcomes.Any(o => o.Kind != EventOutcome.Held)
            || outcomes.Select((o, i) => !ReferenceEquals(o.Updated, message.Events[i].Queued)).Any(different => different);
        var due = remaining.Min(r => r.DueAt);
        var parts = changed ? MessageRewrite.Build(remaining, message.Version, maxMessageBytes) : null;
        if (keepUntil is { } probeAt && due <= probeAt)
        {
            return new MessageDecision(MessageAction.Keep, deadLetters, parts, due);
        }

        return new MessageDecision(changed ? MessageAction.Rewrite : MessageAction.PutBack, deadLetters, parts, due);
    }
}
