using System.Collections.Concurrent;
using Jetstream.Storage.Subscriptions;
using Microsoft.Extensions.Options;

namespace Jetstream.Storage;

/// <summary>One <see cref="EventQueueClients"/> per subscription, made on first use and kept (they hold no connection of their own).</summary>
public sealed class EventQueueClientsFactory(StorageConnection connection, IOptions<QueueOptions> queue, IOptions<SubscriptionOptions> subscriptions)
{
    private readonly ConcurrentDictionary<string, EventQueueClients> _clients = new(StringComparer.Ordinal);

    public EventQueueClients For(string subscriptionId) =>
        _clients.GetOrAdd(subscriptionId, id => new EventQueueClients(connection, queue.Value, subscriptions.Value, id));

    public DeadLetterQueue DeadLettersFor(string subscriptionId) => new(For(subscriptionId));
}
