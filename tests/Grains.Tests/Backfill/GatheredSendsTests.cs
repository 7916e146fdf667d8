using System.Text;
using Jetstream.Grains.Backfill;
using Jetstream.Storage;
using Jetstream.TestSupport;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// Repositories' last messages gathered on Azurite: a lone one goes at once, those that come while a send is in flight
/// share the next message, each repository whole and in order; one that has no room beside the others starts a message
/// of its own; a failed send fails every repository in it.
/// </summary>
public sealed class GatheredSendsTests
{
    [Fact]
    public async Task Repositories_that_come_while_a_send_is_in_flight_share_the_next_message_each_whole_and_in_order()
    {
        var (clients, reader) = await QueueAsync(maxEventsPerMessage: 256);
        var sends = new GatheredSends();

        // All started before any send can end: the first goes alone at once, the nine others wait for it together.
        var tasks = Enumerable.Range(0, 10).Select(r => sends.SendAsync(clients, Repository(r, 5))).ToList();
        await Task.WhenAll(tasks);

        var messages = await PeekAllAsync(reader);
        Assert.Equal(2, messages.Count);
        Assert.Equal(Ids(0, 5), messages[0].Select(e => e.EventId));
        var second = messages[1];
        Assert.Equal(45, second.Count);
        foreach (var repository in second.GroupBy(e => e.Did))
        {
            // Together: a repository's events are consecutive in the message, in the order its writer gave them.
            var ids = repository.Select(e => e.EventId).ToList();
            Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
            var first = second.FindIndex(e => e.Did == repository.Key);
            Assert.All(second.Skip(first).Take(5), e => Assert.Equal(repository.Key, e.Did));
        }
    }

    [Fact]
    public async Task A_repository_without_room_beside_the_others_starts_a_message_of_its_own_and_nothing_is_lost()
    {
        var (clients, reader) = await QueueAsync(maxEventsPerMessage: 12);
        var sends = new GatheredSends();

        var tasks = Enumerable.Range(0, 9).Select(r => sends.SendAsync(clients, Repository(r, 5))).ToList();
        await Task.WhenAll(tasks);

        var messages = await PeekAllAsync(reader);
        Assert.All(messages, m => Assert.True(m.Count <= 12, $"a message of {m.Count} events; the most is 12"));
        Assert.All(messages, m => Assert.Equal(0, m.Count % 5));
        Assert.Equal(
            Enumerable.Range(0, 9).SelectMany(r => Ids(r, 5)).Order(StringComparer.Ordinal),
            messages.SelectMany(m => m).Select(e => e.EventId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_repository_too_large_for_one_message_fails_alone_and_leaves_no_empty_message()
    {
        var (clients, reader) = await QueueAsync(maxEventsPerMessage: 4);
        var sends = new GatheredSends();

        // Alone, and while a send is in flight: neither leaves an empty batch behind for the pump to send. The check is
        // the writer's packing, so this throws at once (a bug, never a storage failure).
        Assert.Throws<InvalidOperationException>(() => { _ = sends.SendAsync(clients, Repository(0, 5)); });
        var first = sends.SendAsync(clients, Repository(1, 2));
        Assert.Throws<InvalidOperationException>(() => { _ = sends.SendAsync(clients, Repository(2, 5)); });
        await first;
        await sends.SendAsync(clients, Repository(3, 2));

        var messages = await PeekAllAsync(reader);
        Assert.All(messages, m => Assert.NotEmpty(m));
        Assert.Equal([.. Ids(1, 2), .. Ids(3, 2)], messages.SelectMany(m => m).Select(e => e.EventId));
    }

    [Fact]
    public async Task A_failed_send_fails_every_repository_in_its_message()
    {
        var (clients, _) = await QueueAsync(maxEventsPerMessage: 256);
        await clients.Queue.DeleteAsync();
        var sends = new GatheredSends();

        var tasks = Enumerable.Range(0, 4).Select(r => sends.SendAsync(clients, Repository(r, 3))).ToList();

        foreach (var task in tasks)
        {
            await Assert.ThrowsAsync<Azure.RequestFailedException>(() => task);
        }
    }

    private static async Task<List<List<QueuedEvent>>> PeekAllAsync(Azure.Storage.Queues.QueueClient reader)
    {
        var messages = (await reader.PeekMessagesAsync(32)).Value;
        return [.. messages.Select(m => QueueMessageCodec.Decode(m.Body).ToList())];
    }

    private static async Task<(EventQueueClients Clients, Azure.Storage.Queues.QueueClient Reader)> QueueAsync(int maxEventsPerMessage)
    {
        var storage = await SharedAzurite.GetConnectionStringAsync();
        var options = new QueueOptions { Name = TestNames.Queue("gathered"), LargeEventContainer = TestNames.Queue("gathered-large"), MaxEventsPerMessage = maxEventsPerMessage };
        var clients = new EventQueueClients(new StorageConnection(storage), options, new Jetstream.Storage.Subscriptions.SubscriptionOptions(), Jetstream.Storage.Subscriptions.SubscriptionDocument.DefaultId);
        await clients.EnsureCreatedAsync();
        return (clients, QueueReader.Client(storage, options.Name));
    }

    private static string[] Ids(int repository, int count) => [.. Enumerable.Range(0, count).Select(i => $"evt_{repository:D2}_{i:D2}")];

    private static List<QueuedEvent> Repository(int repository, int count) =>
    [
        .. Enumerable.Range(0, count).Select(i => new QueuedEvent
        {
            EventId = $"evt_{repository:D2}_{i:D2}",
            QueuedAt = DateTimeOffset.UnixEpoch.AddSeconds(i),
            Did = $"did:plc:repo{repository:D2}",
            TimeUs = i,
            EventJson = Encoding.UTF8.GetBytes($$"""{"did":"did:plc:repo{{repository:D2}}","kind":"commit","live":false,"text":"ünïcødé {{i}}"}"""),
        }),
    ];
}
