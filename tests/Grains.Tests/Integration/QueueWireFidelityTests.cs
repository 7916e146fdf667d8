using System.Text;
using Azure.Storage.Queues;
using Jetstream.Storage;
using Jetstream.TestSupport;

namespace Jetstream.Grains.Tests.Integration;

/// <summary>
/// The storage stage of byte fidelity (issue 12): queue messages written the way the producer and the consumer write
/// them, in either message version, reaching Azurite in TCP segments that split multi-byte characters, must read back
/// with every event's bytes.
/// </summary>
public sealed class QueueWireFidelityTests
{
    // Prime, so consecutive segment boundaries land at every offset within the 9-byte pattern of characters.
    private const int SegmentBytes = 997;

    [Theory]
    [InlineData(QueueMessageCodec.PlainVersion)]
    [InlineData(QueueMessageCodec.CompressedVersion)]
    public async Task Messages_sent_in_segments_that_split_characters_read_back_byte_for_byte(int version)
    {
        var storage = await SharedAzurite.GetConnectionStringAsync();
        await using var proxy = StorageProxy.Start(storage, SegmentBytes);
        var options = new QueueOptions { Name = TestNames.Queue("wire"), LargeEventContainer = TestNames.Queue("wire-large") };
        var writer = new EventQueueClients(new StorageConnection(proxy.ConnectionString), options, new Jetstream.Storage.Subscriptions.SubscriptionOptions(), Jetstream.Storage.Subscriptions.SubscriptionDocument.DefaultId);
        await writer.EnsureCreatedAsync();
        var reader = QueueReader.Client(storage, options.Name);
        try
        {
            // Precondition: these segments do split characters, and Azurite decodes each on its own (Azure/Azurite#2670:
            // issue 12's U+FFFD). Without it the assertions below could not fail.
            var raw = Encoding.UTF8.GetString(MultiByteEvents.Commit("did:plc:control", 1, 0, 20_000));
            await new QueueClient(proxy.ConnectionString, options.Name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None })
                .SendMessageAsync(raw);
            var control = (await reader.ReceiveMessageAsync()).Value;
            await reader.DeleteMessageAsync(control.MessageId, control.PopReceipt);
            Assert.True(control.Body.ToString().Contains('\uFFFD'), "A raw UTF-8 body came back intact: the segments no longer split characters where Azurite decodes them.");

            // One message filled by one event, and one packed with many, both as full as the producer's packer allows:
            // the largest body and the most event boundaries.
            var packer = MessagePacker.Create(version, options.MaxMessageBytes, options.MaxEventsPerMessage);
            var largeBytes = options.MaxMessageBytes;
            var large = Queued(MultiByteEvents.Commit("did:plc:large", 2, 1, largeBytes));
            while (!packer.FitsAlone(large))
            {
                largeBytes -= 500;
                large = Queued(MultiByteEvents.Commit("did:plc:large", 2, 1, largeBytes));
            }

            packer.TryAdd(large);
            var largeBody = packer.Finish();
            var packed = new List<QueuedEvent>();
            for (var i = 0; ; i++)
            {
                var next = Queued(MultiByteEvents.Commit($"did:plc:p{i}", 10 + i, 10 + i, 1_000 + (i * 13)));
                if (!packer.TryAdd(next))
                {
                    break;
                }

                packed.Add(next);
            }

            var packedBody = packer.Finish();
            Assert.True(packed.Count > 20, $"only {packed.Count} events packed");
            Assert.All(new[] { largeBody, packedBody }, body => Assert.Equal(version, QueueMessageCodec.DecodeMessage(body.ToMemory()).Version));

            await writer.Queue.SendMessageAsync(largeBody, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1));
            await writer.Queue.SendMessageAsync(packedBody, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1));

            var read = await QueueReader.DrainAsync(reader, 1 + packed.Count, TimeSpan.FromSeconds(30));

            var expected = packed.Prepend(large).ToDictionary(e => e.EventId);
            Assert.Equal(expected.Count, read.Count);
            foreach (var e in read)
            {
                var difference = MultiByteEvents.Difference(expected[e.EventId].EventJson.Span, e.EventJson.Span);
                Assert.True(difference is null, $"{e.Did}: {difference}");
            }
        }
        finally
        {
            await writer.Queue.DeleteIfExistsAsync();
            await writer.PoisonQueue.DeleteIfExistsAsync();
            await writer.LargeEvents.DeleteIfExistsAsync();
        }
    }

    private static QueuedEvent Queued(byte[] json)
    {
        var did = Encoding.UTF8.GetString(json).Split('"')[3];
        return new QueuedEvent { EventId = "evt_" + Guid.NewGuid().ToString("N"), QueuedAt = DateTimeOffset.UtcNow, Did = did, TimeUs = 1, EventJson = json };
    }
}
