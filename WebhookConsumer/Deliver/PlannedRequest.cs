using Jetstream.WebhookConsumer.Receive;

namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// A request about to go: its events in body order (one, when each event is its own request), and whether it is a
/// retried batch or a half of one (a failure about the request then splits it at once).
/// </summary>
internal sealed record PlannedRequest(List<InFlightEvent> Events, bool Retried);
