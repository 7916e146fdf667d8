using Azure.Storage.Queues.Models;

namespace Jetstream.WebhookConsumer.Settle;

/// <summary>
/// A message kept in hand while its endpoint's circuit is open (<see cref="MessageSettler"/>): as it now stands in the
/// queue (body and pop receipt after its update), hidden for a whole visibility timeout from <paramref name="LeaseFrom"/>.
/// </summary>
internal sealed record KeptMessage(QueueMessage Message, DateTimeOffset LeaseFrom);
