using Azure.Storage.Blobs;
using Jetstream.Storage;
using Jetstream.TestSupport;

namespace Jetstream.Grains.Tests.Integration;

/// <summary>
/// The producer's stages of byte fidelity (issue 12), through the real processor grain: WebSocket fragments and
/// receive-buffer growth that cut multi-byte characters, messages packing many events (plain or compressed, by
/// <c>Queue:MessageVersion</c>), and blob offload of events over the message limit. What the queue and the blobs hold must be, byte for byte, the events the server sent.
/// </summary>
public sealed class ReceiveFidelityTests
{
    // The connection's receive buffer (FrameAssembler) starts at 64 KiB and doubles each time a frame fills it; on the
    // zstd wires the cuts fall in compressed bytes, and the decoded event must still come out whole and exact.
    private const int FirstBufferBytes = 64 * 1024;

    [Theory]
    [MemberData(nameof(JetstreamWireCase.NamesAndMessageVersions), MemberType = typeof(JetstreamWireCase))]
    public async Task Events_cut_by_fragments_and_buffer_growth_inside_characters_are_queued_byte_for_byte(string wireName, int messageVersion)
    {
        var wire = JetstreamWireCase.Get(wireName);
        await using var server = FragmentingWebSocketServer.Start();
        var storage = await SharedAzurite.GetConnectionStringAsync();
        var queueName = TestNames.Queue("receive");
        var settings = ProcessorTestCluster.Settings(server.UriFor(wire.PathAndQuery), queueName, "work.doing.*");
        foreach (var (key, value) in wire.ProcessorSettings)
        {
            settings[key] = value;
        }

        settings["Queue:MessageVersion"] = messageVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await using var cluster = await ProcessorTestCluster.StartAsync(storage, settings);
        await server.WaitForClientAsync(TimeSpan.FromSeconds(30));

        // Nine DID lengths move the 9-byte character pattern through every phase at every fixed offset, so the buffer's
        // growth at 64 and 128 KiB falls inside characters of most large events, wherever the pattern starts.
        var timeUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var large = new List<byte[]>();
        var small = new List<byte[]>();
        for (var phase = 0; phase < 9; phase++)
        {
            var did = "did:plc:" + new string('a', 20 + phase);
            large.Add(MultiByteEvents.Commit(did, ++timeUs, (phase * 100) + 99, 200_000 + phase));
            small.AddRange(Enumerable.Range(0, 8).Select(i => MultiByteEvents.Commit(did, ++timeUs, (phase * 100) + i, 2_000 + (i * 301))));
        }

        foreach (var boundary in new[] { FirstBufferBytes, 2 * FirstBufferBytes })
        {
            Assert.True(large.Count(e => (e[boundary] & 0xC0) == 0x80) >= 5, $"too few events have a character across byte {boundary}");
        }

        // Large ones paced, so the reader waits inside them; then the small ones at once, so the sink packs them.
        foreach (var json in large)
        {
            var message = wire.EncodeEvent(json);
            await server.SendAsync(message, wire.MessageType, wire.CutsNear(message, 1, message.Length / 3, 2 * message.Length / 3, FirstBufferBytes + 100), TimeSpan.FromMilliseconds(5));
        }

        foreach (var json in small)
        {
            var message = wire.EncodeEvent(json);
            await server.SendAsync(message, wire.MessageType, wire.CutsNear(message, 1, message.Length / 2), TimeSpan.Zero);
        }

        var sent = large.Concat(small).ToList();
        var messages = await ReadMessagesAsync(QueueReader.Client(storage, queueName), sent.Count, TimeSpan.FromSeconds(60));
        var queued = messages.SelectMany(m => m.Events).ToList();
        var blobs = new BlobContainerClient(storage, queueName + "-large");
        try
        {
            Assert.Equal(sent.Count, queued.Count);
            Assert.True(queued.Count(e => e.BlobName is not null) == large.Count, "each 200 KB event should have gone to a blob");
            Assert.True(messages.Any(m => m.Events.Count > 1), "no message packed more than one event");
            Assert.All(messages, m => Assert.Equal(messageVersion, m.Version));
            var byTime = queued.ToDictionary(e => e.TimeUs);
            foreach (var json in sent)
            {
                var e = byTime[JsonTimeUs(json)];
                var body = e.BlobName is { } blobName ? (await blobs.GetBlobClient(blobName).DownloadContentAsync()).Value.Content.ToMemory() : e.EventJson;
                var difference = MultiByteEvents.Difference(json, body.Span);
                Assert.True(difference is null, $"{e.EventId} ({json.Length} bytes{(e.BlobName is null ? "" : ", blob")}): {difference}");
            }
        }
        finally
        {
            await QueueReader.Client(storage, queueName).DeleteIfExistsAsync();
            await blobs.DeleteIfExistsAsync();
        }
    }

    /// <summary>Each message's events (the grouping is what shows the packing), deleting the messages.</summary>
    private static async Task<List<DecodedMessage>> ReadMessagesAsync(Azure.Storage.Queues.QueueClient queue, int expected, TimeSpan timeout)
    {
        var messages = new List<DecodedMessage>();
        var deadline = DateTime.UtcNow + timeout;
        while (messages.Sum(m => m.Events.Count) < expected && DateTime.UtcNow < deadline)
        {
            if (!(await queue.ExistsAsync()).Value)
            {
                await Task.Delay(100);
                continue;
            }

            var batch = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            foreach (var message in batch)
            {
                messages.Add(QueueMessageCodec.DecodeMessage(message.Body.ToMemory()));
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }

            if (batch.Length == 0)
            {
                await Task.Delay(100);
            }
        }

        return messages;
    }

    private static long JsonTimeUs(byte[] json)
    {
        var reader = new System.Text.Json.Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == System.Text.Json.JsonTokenType.PropertyName && reader.ValueTextEquals("time_us"u8))
            {
                reader.Read();
                return reader.GetInt64();
            }
        }

        throw new FormatException("No time_us.");
    }
}
