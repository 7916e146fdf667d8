using System.Collections.Frozen;
using Jetstream.WebhookConsumer.Receive;

namespace Jetstream.WebhookConsumer.Settle;

/// <summary>
/// A received batch once every shard has delivered it: its messages and the last outcome decided for each of their
/// events, handed to the settler as it is. An event with no outcome was not reached (nothing decided): it goes back as
/// it came (<see cref="DeliveryOutcome.Untouched"/>).
/// </summary>
internal sealed class DeliveredBatch(IReadOnlyList<ReceivedMessage> messages, FrozenDictionary<InFlightEvent, DeliveryOutcome> outcomes)
{
    public IReadOnlyList<ReceivedMessage> Messages { get; } = messages;

    public DeliveryOutcome OutcomeOf(InFlightEvent inFlight) =>
        outcomes.TryGetValue(inFlight, out var outcome) ? outcome : DeliveryOutcome.Untouched(inFlight.Queued);

    /// <summary>The same batch with some outcomes decided again (the rest kept).</summary>
    public DeliveredBatch With(IEnumerable<KeyValuePair<InFlightEvent, DeliveryOutcome>> changed)
    {
        var merged = new Dictionary<InFlightEvent, DeliveryOutcome>(outcomes);
        foreach (var (inFlight, outcome) in changed)
        {
            merged[inFlight] = outcome;
        }

        return new DeliveredBatch(Messages, merged.ToFrozenDictionary());
    }
}
