using System.Diagnostics.Metrics;
using Azure.Storage.Queues.Models;
using Jetstream.Storage;
using Jetstream.WebhookConsumer.Circuit;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Schedule;
using Jetstream.WebhookConsumer.Settle;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// The plan step of the one delivery path (<see cref="ShardPlanner"/>), on a clock the test moves: what goes in each
/// request, with batches off (a request of one) and on, given the per-DID memory.
/// </summary>
public sealed class ShardPlannerTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly DidScheduler _scheduler;
    private readonly ShardContext _context;
    private int _sequence;

    public ShardPlannerTests()
    {
        _scheduler = new DidScheduler(RetryPolicyTests.Policy(o => o.RetryJitter = 0), _clock, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));
        var clients = new EventQueueClients(new StorageConnection("UseDevelopmentStorage=true"), new QueueOptions(), new Jetstream.Storage.Subscriptions.SubscriptionOptions(), "default");
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        _context = new ShardContext("default", _scheduler, new DeliveryAttempt(clients), new DeliverySlots(4).AddLane("default"), new WebhookConsumerMetrics(meters), _clock, NullLogger.Instance);
    }

    private DateTimeOffset NoDeadline => _clock.GetUtcNow() + TimeSpan.FromMinutes(5);

    [Fact]
    public void With_batches_off_each_request_is_one_event_in_queue_order_a_held_DID_waits_and_a_copy_is_skipped()
    {
        var a1 = Queued("did:plc:a", 1);
        var a2 = Queued("did:plc:a", 2);
        var b1 = Queued("did:plc:b", 1);
        var c1 = Queued("did:plc:c", 1);

        // a1 failed in an earlier batch (its retry not yet due); c1 was delivered moments ago.
        var earlier = Message(a1, c1);
        var turn = _scheduler.Begin("did:plc:a");
        turn.TryStart(earlier.Events[0], NoDeadline);
        var earlierDue = turn.Finish(earlier.Events[0], DeliveryResult.Failure(500, "HTTP 500")).DueAt;
        var c = _scheduler.Begin("did:plc:c");
        c.TryStart(earlier.Events[1], NoDeadline);
        c.Finish(earlier.Events[1], DeliveryResult.Success(200));

        var batch = Message(a2, b1, c1);
        var planner = Planner(batchMaxEvents: 1, batch);
        var requests = Drain(planner);

        Assert.Equal([b1.EventId], Assert.Single(requests));
        Assert.Equal(EventOutcome.Held, planner.Outcomes[batch.Events[0]].Kind);
        Assert.Equal(earlierDue, planner.Outcomes[batch.Events[0]].DueAt);
        Assert.Equal(EventOutcome.Copy, planner.Outcomes[batch.Events[2]].Kind);
    }

    [Fact]
    public void With_batches_on_requests_fill_up_to_the_limit_in_queue_order_and_each_DID_keeps_its_order_across_them()
    {
        var events = Enumerable.Range(0, 7).Select(i => Queued($"did:plc:{(char)('a' + (i % 3))}", i)).ToArray();
        var requests = Drain(Planner(batchMaxEvents: 3, Message(events)));

        Assert.Equal([3, 3, 1], requests.Select(r => r.Count));
        Assert.Equal(events.Select(e => e.EventId), requests.SelectMany(r => r));
    }

    [Fact]
    public void With_batches_on_two_copies_of_one_event_in_one_receive_go_in_one_request_once_and_the_second_is_skipped()
    {
        // A message written twice (a retried write after a lost answer): both copies come in the same receive, neither
        // yet remembered as delivered.
        var a1 = Queued("did:plc:a", 1);
        var b1 = Queued("did:plc:b", 1);
        var first = Message(a1, b1);
        var copy = Message(a1);
        var planner = Planner(batchMaxEvents: 10, first, copy);

        var requests = Drain(planner);

        Assert.Equal([a1.EventId, b1.EventId], Assert.Single(requests));
        Assert.Equal(EventOutcome.Copy, planner.Outcomes[copy.Events[0]].Kind);
    }

    private ShardPlanner Planner(int batchMaxEvents, params ReceivedMessage[] messages)
    {
        var options = new WebhookOptions { Url = "https://example.com/hook", BatchMaxEvents = batchMaxEvents };
        var sender = new WebhookSender(new HttpClient(), new WebhookSigner((string?)null), Options.Create(options), _clock, new EndpointCircuit("default", options.Url, options, _clock));
        var shard = Assert.Single(BatchShards.Deal(DidScheduler.ByDid(messages), maxEvents: 100, maxShards: 1));
        return new ShardPlanner(_context, sender, shard, NoDeadline);
    }

    /// <summary>Every request the planner makes, each event delivered as it goes (so nothing is held for a failure).</summary>
    private static List<List<string>> Drain(ShardPlanner planner)
    {
        var requests = new List<List<string>>();
        while (planner.Next() is { } request)
        {
            requests.Add([.. request.Events.Select(e => e.Queued.EventId)]);
            foreach (var inFlight in request.Events)
            {
                planner.Turn(inFlight).Delivered(inFlight);
            }
        }

        return requests;
    }

    private QueuedEvent Queued(string did, int seq) =>
        TestEvents.Commit(did, seq) with { QueuedAt = _clock.GetUtcNow() + TimeSpan.FromMilliseconds(Interlocked.Increment(ref _sequence)) };

    private static ReceivedMessage Message(params QueuedEvent[] events) =>
        new(QueuesModelFactory.QueueMessage(Guid.NewGuid().ToString(), "receipt", new BinaryData([]), 1), events);
}
