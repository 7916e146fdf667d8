using System.Text;
using Jetstream.Grains.Backfill;
using Jetstream.Storage;
using Jetstream.TestSupport;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// A repository's messages on Azurite: nothing of it can be received before <see cref="BackfillQueueWriter.RevealAsync"/>
/// (the repository is then read and verified to its end), everything in the order written after it, and nothing
/// after <see cref="BackfillQueueWriter.DiscardAsync"/>.
/// </summary>
public sealed class BackfillQueueWriterTests
{
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task A_repository_that_fits_one_message_is_sent_visible_once_revealed_and_not_before()
    {
        var (clients, reader) = await QueueAsync(maxEventsPerMessage: 100);
        var writer = new BackfillQueueWriter(clients, Hold, new GatheredSends());

        for (var i = 0; i < 5; i++)
        {
            await writer.AddAsync(Event(i), CancellationToken.None);
        }

        // Still packing: the repository has not been read to its end, so nothing is in the queue at all.
        Assert.Equal(0, (await clients.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        await writer.RevealAsync(CancellationToken.None);

        var message = Assert.Single((await reader.PeekMessagesAsync(32)).Value);
        Assert.Equal(Ids(0, 5), QueueMessageCodec.Decode(message.Body).Select(e => e.EventId));
    }

    [Fact]
    public async Task Full_messages_are_held_until_revealed_and_then_come_in_the_order_written()
    {
        var (clients, reader) = await QueueAsync(maxEventsPerMessage: 2);
        var writer = new BackfillQueueWriter(clients, Hold, new GatheredSends());

        for (var i = 0; i < 7; i++)
        {
            await writer.AddAsync(Event(i), CancellationToken.None);
        }

        Assert.Equal(3, (await clients.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Empty((await reader.PeekMessagesAsync(32)).Value);

        await writer.RevealAsync(CancellationToken.None);

        var events = await QueueReader.DrainAsync(reader, 7, TimeSpan.FromSeconds(10));
        Assert.Equal(Ids(0, 7), events.Select(e => e.EventId));
    }

    [Fact]
    public async Task A_discarded_repository_leaves_nothing_in_the_queue()
    {
        var (clients, reader) = await QueueAsync(maxEventsPerMessage: 2);
        var writer = new BackfillQueueWriter(clients, Hold, new GatheredSends());
        for (var i = 0; i < 5; i++)
        {
            await writer.AddAsync(Event(i), CancellationToken.None);
        }

        await writer.DiscardAsync();

        Assert.Equal(0, (await clients.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Empty((await reader.PeekMessagesAsync(32)).Value);
    }

    private static async Task<(EventQueueClients Clients, Azure.Storage.Queues.QueueClient Reader)> QueueAsync(int maxEventsPerMessage)
    {
        var storage = await SharedAzurite.GetConnectionStringAsync();
        var options = new QueueOptions { Name = TestNames.Queue("bfwriter"), LargeEventContainer = TestNames.Queue("bfwriter-large"), MaxEventsPerMessage = maxEventsPerMessage };
        var clients = new EventQueueClients(new StorageConnection(storage), options, new Jetstream.Storage.Subscriptions.SubscriptionOptions(), Jetstream.Storage.Subscriptions.SubscriptionDocument.DefaultId);
        await clients.EnsureCreatedAsync();
        return (clients, QueueReader.Client(storage, options.Name));
    }

    private static string[] Ids(int from, int count) => Enumerable.Range(from, count).Select(i => $"evt_{i:D4}").ToArray();

    private static QueuedEvent Event(int i) => new()
    {
        EventId = $"evt_{i:D4}",
        QueuedAt = DateTimeOffset.UnixEpoch.AddSeconds(i),
        Did = "did:plc:writer",
        TimeUs = i,
        EventJson = Encoding.UTF8.GetBytes($$"""{"did":"did:plc:writer","kind":"commit","live":false,"n":{{i}}}"""),
    };
}
