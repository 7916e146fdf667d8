namespace Jetstream.WebhookConsumer.Tests;

/// <summary>One event of a request the receiver accepted: its own id, the request's <c>webhook-id</c> and when it arrived.</summary>
internal sealed record AcceptedEvent(string EventId, string WebhookId, DateTimeOffset At);
