using System.Text.Json;
using Jetstream.Storage;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookReceiver;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>Batched webhooks (<c>Webhook:BatchMaxEvents</c> above 1) against Azurite and a real receiver.</summary>
public sealed class BatchedWebhookTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> ShortSchedule = new()
    {
        ["Webhook:RetrySchedule:0"] = "00:00:00.2",
        ["Webhook:RetrySchedule:1"] = "00:00:00.2",
        ["Webhook:RetrySchedule:2"] = "00:00:00.2",
        ["Webhook:RetrySchedule:3"] = "00:00:00.2",
    };

    [Fact]
    public async Task Batches_carry_each_event_byte_for_byte_signed_once_in_per_did_order_across_batches()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "batches");
        var events = TestEvents.Interleaved(dids: 4, perDid: 30);
        await harness.SendAsync(events, perMessage: 7);

        await harness.StartConsumerAsync(new Dictionary<string, string?> { ["Webhook:BatchMaxEvents"] = "10" });
        await ConsumerHarness.WaitUntilAsync(() => Task.FromResult(EventsIn(harness.Receiver.Deliveries).Count >= events.Count), TimeSpan.FromSeconds(30), "every event");
        await ConsumerHarness.WaitUntilAsync(async () => await harness.MainQueueCountAsync() == 0, TimeSpan.FromSeconds(10), "the queue to empty");

        var deliveries = harness.Receiver.Deliveries;
        var expected = events.ToDictionary(e => e.EventId, e => e.EventJson.ToArray());
        var delivered = EventsIn(deliveries);
        Assert.Equal(expected.Keys.Order(), delivered.Select(e => e.Id).Order());
        Assert.All(delivered, e => Assert.Equal(expected[e.Id], e.Bytes));
        Assert.All(deliveries, d =>
        {
            Assert.True(d.SignatureValid, $"{d.Id}: the signature over the whole body does not verify");
            var ids = Events(d.Body).Select(e => e.Id).ToArray();
            Assert.InRange(ids.Length, 1, 10);
            Assert.Equal(WebhookBatch.IdFor(ids), d.Id);
            Assert.Equal(WebhookBatch.Body([.. ids.Select(id => (ReadOnlyMemory<byte>)expected[id])]), d.Body);
            Assert.Equal("application/json", d.Headers["Content-Type"]);
        });
        Assert.True(deliveries.Count <= 20, $"{deliveries.Count} requests for {events.Count} events in batches of 10");

        // Every DID's events in queue order, across the requests as they arrived and inside each.
        var position = events.Select((e, i) => (e.EventId, i)).ToDictionary(x => x.EventId, x => x.i);
        foreach (var did in delivered.GroupBy(e => events[position[e.Id]].Did))
        {
            Assert.Equal(did.Select(e => position[e.Id]).Order(), did.Select(e => position[e.Id]));
        }

        harness.Report($"batches of up to 10: {events.Count} events (4 DIDs) in {deliveries.Count} requests, each event's bytes as sent, per-DID order kept");
    }

    // 500: the receiver refused the request (its first failure retries the batch; a second would split it). 503: the
    // endpoint's failure (the circuit's schedule, outage limit the schedule's total, so steps of 5 s here).
    [Theory]
    [InlineData(500, 1, "00:00:00.2")]
    [InlineData(503, 2, "00:00:05")]
    public async Task A_failed_batch_is_retried_with_the_same_webhook_id_and_the_same_body(int status, int failures, string step)
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "batchretry");
        var events = TestEvents.Interleaved(dids: 3, perDid: 4);
        await harness.SendAsync(events, perMessage: 2);
        harness.Receiver.Behaviour = new ReceiverBehaviour { StatusCode = status };

        var settings = new Dictionary<string, string?> { ["Webhook:BatchMaxEvents"] = "50" };
        for (var i = 0; i < 4; i++)
        {
            settings[$"Webhook:RetrySchedule:{i}"] = step;
        }

        await harness.StartConsumerAsync(settings);
        await ConsumerHarness.WaitUntilAsync(() => Task.FromResult(harness.Receiver.Requests.Count >= failures), TimeSpan.FromSeconds(30), "the failed attempts");
        harness.Receiver.Behaviour = ReceiverBehaviour.Normal;
        await ConsumerHarness.WaitUntilAsync(() => Task.FromResult(harness.Receiver.Deliveries.Count >= 1), TimeSpan.FromSeconds(30), "the delivery");
        await ConsumerHarness.WaitUntilAsync(async () => await harness.MainQueueCountAsync() == 0, TimeSpan.FromSeconds(10), "the queue to empty");

        var requests = harness.Receiver.Requests;
        var first = requests[0];
        Assert.Equal(events.Count, Events(first.Body!).Count);
        Assert.All(requests, r =>
        {
            Assert.Equal(first.Id, r.Id);
            Assert.Equal(first.Body, r.Body);
        });
        Assert.Equal(200, requests[^1].Status);
        Assert.Single(harness.Receiver.Deliveries);
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
        harness.Report($"{status}: a batch of {events.Count} events from {events.Count / 2} messages: {requests.Count} attempts ({string.Join(", ", requests.Select(r => r.Status))}), each with webhook-id {first.Id} and the same {first.Body!.Length} bytes");
    }

    [Fact]
    public async Task A_poison_event_leaves_its_batch_alone_for_the_dead_letter_queue_and_its_neighbours_are_delivered()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "batchpoison");
        var events = Enumerable.Range(0, 24).Select(i => TestEvents.Commit($"did:plc:poison{i % 5}", i, i == 13 ? "poison-pill" : "fine")).ToArray();
        var poison = events[13];
        await harness.SendAsync(events, perMessage: 6);
        harness.Receiver.Behaviour = new ReceiverBehaviour { RefuseBodiesContaining = "poison-pill" };

        var settings = new Dictionary<string, string?>(ShortSchedule) { ["Webhook:BatchMaxEvents"] = "50" };
        await harness.StartConsumerAsync(settings);
        await ConsumerHarness.WaitUntilAsync(async () => await harness.DeadLetters.CountAsync() >= 1, TimeSpan.FromSeconds(30), "the poison event in the dead-letter queue");
        await ConsumerHarness.WaitUntilAsync(() => Task.FromResult(EventsIn(harness.Receiver.Deliveries).Count >= events.Length - 1), TimeSpan.FromSeconds(30), "its neighbours");
        await ConsumerHarness.WaitUntilAsync(async () => await harness.MainQueueCountAsync() == 0, TimeSpan.FromSeconds(10), "the queue to empty");

        var dead = Assert.Single(await harness.DeadLetters.PeekAsync(10));
        Assert.Equal(poison.EventId, dead.EventId);
        Assert.Equal(422, dead.LastStatus);
        var delivered = EventsIn(harness.Receiver.Deliveries);
        Assert.Equal(events.Where(e => e != poison).Select(e => e.EventId).Order(), delivered.Select(e => e.Id).Order());
        Assert.Equal(0, harness.OvertakenWithinDid(events.Where(e => e != poison).ToArray(), delivered.Select(e => new Delivery(e.Id, e.Bytes, new Dictionary<string, string>(), e.ArrivedAt, true))));
        var requests = harness.Receiver.Requests;
        harness.Report($"one poison event among {events.Length}: {requests.Count} requests ({requests.Count(r => r.Status == 422)} refused), " +
            $"it alone dead-lettered after {dead.Attempts} attempts, the other {delivered.Count} delivered in order");
    }

    private static List<(string Id, byte[] Bytes, DateTimeOffset ArrivedAt)> EventsIn(IEnumerable<Delivery> deliveries) =>
        [.. deliveries.OrderBy(d => d.ArrivedAt).SelectMany(d => Events(d.Body).Select(e => (e.Id, e.Bytes, d.ArrivedAt)))];

    /// <summary>The events of a batch body, each as the bytes it takes in the body, with the id the consumer gives it.</summary>
    private static List<(string Id, byte[] Bytes)> Events(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var events = new List<(string, byte[])>();
        foreach (var element in document.RootElement.GetProperty("events").EnumerateArray())
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(element.GetRawText());
            events.Add((TestEvents.FromJson(bytes).EventId, bytes));
        }

        Assert.Equal(["events"], document.RootElement.EnumerateObject().Select(p => p.Name));
        return events;
    }
}
