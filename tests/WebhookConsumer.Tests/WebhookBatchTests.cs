using System.Text;
using Azure.Storage.Queues.Models;
using Jetstream.Storage;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Schedule;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>A batch's body and id (<see cref="WebhookBatch"/>), the dealing of DIDs into shards (<see cref="BatchShards"/>) and the batch fields in a queue message.</summary>
public sealed class WebhookBatchTests
{
    [Fact]
    public void The_body_is_the_events_bytes_joined_in_an_events_array()
    {
        var first = Encoding.UTF8.GetBytes("""{"did":"did:plc:a","text":"caf\u00e9 \u0026 more"}""");
        var second = Encoding.UTF8.GetBytes("""{ "did" : "did:plc:b" ,"n":1.50}""");

        var body = WebhookBatch.Body([first, second]);

        Assert.Equal("{\"events\":[" + Encoding.UTF8.GetString(first) + "," + Encoding.UTF8.GetString(second) + "]}", Encoding.UTF8.GetString(body));
        Assert.Equal(body.Length, WebhookBatch.BodyLength(2, first.Length + second.Length));
    }

    [Fact]
    public void The_id_depends_on_the_events_and_their_order_only()
    {
        var ids = new[] { "evt_" + new string('1', 32), "evt_" + new string('2', 32) };

        var id = WebhookBatch.IdFor(ids);

        Assert.Matches("^bat_[0-9a-f]{32}$", id);
        Assert.Equal(id, WebhookBatch.IdFor([.. ids]));
        Assert.NotEqual(id, WebhookBatch.IdFor(ids.Reverse()));
        Assert.NotEqual(id, WebhookBatch.IdFor(ids[..1]));
    }

    [Fact]
    public void Each_DID_is_in_one_shard_in_queue_order_and_a_retried_batch_joins_its_DIDs()
    {
        var retried = "bat_" + new string('a', 32);
        var events = Enumerable.Range(0, 40).Select(i => TestEvents.Commit($"did:plc:shard{i % 8}", i)).ToList();
        events[3] = events[3] with { BatchId = retried, BatchIndex = 0, BatchSize = 2 };
        events[4] = events[4] with { BatchId = retried, BatchIndex = 1, BatchSize = 2 };
        var message = new ReceivedMessage(QueuesModelFactory.QueueMessage("m", "r", new BinaryData([]), 1), events);

        var shards = BatchShards.Deal(DidScheduler.ByDid([message]), maxEvents: 10, maxShards: 64);

        Assert.Equal(4, shards.Count);
        Assert.Equal(events.Count, shards.Sum(s => s.Count));
        foreach (var did in events.GroupBy(e => e.Did))
        {
            var shard = Assert.Single(shards, s => s.Any(e => e.Did == did.Key));
            Assert.Equal(did.Select(e => e.EventId), shard.Where(e => e.Did == did.Key).Select(e => e.Queued.EventId));
        }

        Assert.Single(shards, s => s.Any(e => e.Did == events[3].Did) && s.Any(e => e.Did == events[4].Did));
    }

    [Fact]
    public void A_queue_message_keeps_an_events_batch_and_place_in_it()
    {
        var queued = TestEvents.Commit("did:plc:codec", 1) with { Attempts = 1, BatchId = "bat_" + new string('b', 32), BatchIndex = 3, BatchSize = 7 };

        var decoded = Assert.Single(QueueMessageCodec.Decode(QueueMessageCodec.Encode([queued])));

        Assert.Equal((queued.BatchId, 3, 7), (decoded.BatchId, decoded.BatchIndex!.Value, decoded.BatchSize!.Value));
        Assert.Null(Assert.Single(QueueMessageCodec.Decode(QueueMessageCodec.Encode([queued with { BatchId = null, BatchIndex = null, BatchSize = null }]))).BatchId);
    }
}
