using System.Collections.Frozen;
using Jetstream.WebhookConsumer.Receive;

namespace Jetstream.WebhookConsumer.Settle;

/// <summary>
/// A received batch once every shard has delivered it: its messages and the last outcome decided for each of their
/// events, handed to the settler as it is. An event with no outcome was not reached (nothing decided): it goes back as
/// it came (<see cref="DeliveryOutcome.Untouched"/>).
/// </summary>
/// <param name="leaseFrom">
/// The batch's <see cref="ReceivedBatch.ReceivedAt"/>: every message stays hidden at least a whole visibility timeout
/// from then, so one kept in hand unchanged needs no new lease while that lasts well past the probe (default: always).
/// </param>
internal sealed class DeliveredBatch(IReadOnlyList<ReceivedMessage> messages, FrozenDictionary<InFlightEvent, DeliveryOutcome> outcomes, DateTimeOffset leaseFrom = default)
{
    public IReadOnlyList<ReceivedMessage> Messages { get; } = messages;

    public DateTimeOffset LeaseFrom { get; } = leaseFrom;

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

        return new DeliveredBatch(Messages, merged.ToFrozenDictionary(), LeaseFrom);
    }
}
