using Jetstream.Storage.Subscriptions;
using Jetstream.WebhookReceiver;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>What one subscription may not do to another, what a user-supplied URL may not reach, and how one is removed.</summary>
public sealed class SubscriptionIsolationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Receiver_failing_every_request_of_one_subscription_does_not_hold_back_another()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "subisolated");
        await using var failing = await WebhookReceiverHost.StartAsync(new ReceiverOptions());
        await using var healthy = await WebhookReceiverHost.StartAsync(new ReceiverOptions());
        failing.Behaviour = new ReceiverBehaviour { StatusCode = 500 };
        healthy.Behaviour = new ReceiverBehaviour { Delay = TimeSpan.FromMilliseconds(5) };
        var failingId = harness.NewSubscriptionId("failing");
        var healthyId = harness.NewSubscriptionId("healthy");
        await harness.CreateSubscriptionAsync(failingId, failing.Url, []);
        await harness.CreateSubscriptionAsync(healthyId, healthy.Url, []);
        var failingEvents = TestEvents.Interleaved(dids: 40, perDid: 5, didPrefix: "did:plc:failing");
        var healthyEvents = TestEvents.Interleaved(dids: 30, perDid: 10, didPrefix: "did:plc:healthy");
        await harness.SendAsync(failingId, failingEvents, perMessage: 5);
        await harness.SendAsync(healthyId, healthyEvents, perMessage: 5);

        // A schedule far longer than the test: the failing subscription keeps retrying throughout.
        var settings = Enumerable.Range(0, 100).ToDictionary(i => $"Webhook:RetrySchedule:{i}", _ => (string?)"00:00:00.3");
        settings["Webhook:MaxConcurrency"] = "4";
        await harness.StartConsumerAsync(settings);
        await healthy.WaitForUniqueAsync(healthyEvents.Count, TimeSpan.FromSeconds(90));
        var failingAtDone = failing.Stats;

        // The failing one was failing all along, and goes on failing after the healthy one is done.
        await ConsumerHarness.WaitUntilAsync(() => Task.FromResult(failing.Stats.Requests > failingAtDone.Requests + 10), TimeSpan.FromSeconds(20), "the failing webhook to go on failing");
        Assert.Equal(0, failing.Stats.Delivered);

        // Its events wait behind each DID's first, failed one; still, half its DIDs at least were tried while the healthy one drained.
        Assert.True(failingAtDone.Requests >= 20, $"only {failingAtDone.Requests} attempts at the failing webhook while the healthy one drained");
        Assert.Equal(0, await harness.Queues.DeadLettersFor(failingId).CountAsync());
        Assert.Equal(0, healthy.Stats.Rejected);
        Assert.Equal(healthyEvents.Count, healthy.Stats.UniqueIds);
        harness.Report($"failing beside healthy (concurrency 4): {healthyEvents.Count} healthy events delivered while the failing webhook " +
            $"answered 500 to {failingAtDone.Requests} requests, and {failing.Stats.Requests - failingAtDone.Requests} more after");
    }

    [Fact]
    public async Task Deleting_subscription_is_drained_then_its_queues_and_document_are_gone()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "subdeleting");
        await using var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions());

        // Failures keep events in the queue for their retries: removal must wait for them too.
        receiver.Behaviour = new ReceiverBehaviour { FailureRate = 0.5 };
        var id = harness.NewSubscriptionId("deleting");
        await harness.CreateSubscriptionAsync(id, receiver.Url, []);
        var events = TestEvents.Interleaved(dids: 10, perDid: 6, didPrefix: "did:plc:deleting");
        await harness.SendAsync(id, events, perMessage: 4);
        await harness.Store.UpdateAsync(id, d => d with { Lifecycle = SubscriptionLifecycle.Deleting, Enabled = false });
        var clients = harness.Queues.For(id);
        Assert.True(await clients.Queue.ExistsAsync());

        // Two consumers: both see it drained, both remove it, neither fails.
        var settings = Enumerable.Range(0, 20).ToDictionary(i => $"Webhook:RetrySchedule:{i}", _ => (string?)"00:00:00.2");
        await Task.WhenAll(harness.StartConsumerAsync(settings, "consumer-a"), harness.StartConsumerAsync(settings, "consumer-b"));

        await ConsumerHarness.WaitUntilAsync(async () => await harness.Store.GetAsync(id) is null, TimeSpan.FromSeconds(60), "the document to be removed");
        Assert.Equal(events.Count, receiver.Stats.UniqueIds);
        Assert.False(await clients.Queue.ExistsAsync());
        Assert.False(await clients.PoisonQueue.ExistsAsync());
        Assert.True(receiver.Stats.Failed > 0, "the receiver failed nothing, so no retry was waited for");
        Assert.DoesNotContain(harness.Logs.Lines, l => l.Contains("Removing the drained subscription failed", StringComparison.Ordinal));
        harness.Report($"deleting: {events.Count} events delivered ({receiver.Stats.Failed} failed attempts retried) before queues and document were removed");
    }

    [Fact]
    public async Task Discarded_and_vanished_subscriptions_stop_their_loops_and_deliver_nothing_more()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "substopped");
        await using var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions());
        var discarded = harness.NewSubscriptionId("discarded");
        var vanished = harness.NewSubscriptionId("vanished");
        await harness.CreateSubscriptionAsync(discarded, receiver.Url, []);
        await harness.CreateSubscriptionAsync(vanished, receiver.Url, []);
        await harness.SendAsync(discarded, [TestEvents.Commit("did:plc:discarded", 1)], perMessage: 1);
        await harness.SendAsync(vanished, [TestEvents.Commit("did:plc:vanished", 1)], perMessage: 1);
        var host = await harness.StartConsumerAsync();
        await receiver.WaitForUniqueAsync(2, TimeSpan.FromSeconds(20));

        await harness.Store.UpdateAsync(discarded, d => d with { Lifecycle = SubscriptionLifecycle.Deleting, DiscardOnDelete = true });
        await harness.Store.DeleteAsync(vanished);
        await ConsumerHarness.WaitUntilAsync(() => Task.FromResult(
                harness.Logs.Lines.Any(l => l.Contains($"[{discarded}] Stopped (deleted with discard)", StringComparison.Ordinal))
                && harness.Logs.Lines.Any(l => l.Contains($"[{vanished}] Stopped (its document is gone)", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(20), "both loops to stop");
        var health = host.Services.GetRequiredService<HealthCheckService>();
        await ConsumerHarness.WaitUntilAsync(async () => (await health.CheckHealthAsync()).Entries["queue"].Description!.StartsWith("1 subscription(s)", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "only default to be left");

        // Their queues are still there (the Api removes them); what lands in them now is not delivered.
        await harness.SendAsync(discarded, [TestEvents.Commit("did:plc:discarded", 2)], perMessage: 1);
        await harness.SendAsync(vanished, [TestEvents.Commit("did:plc:vanished", 2)], perMessage: 1);
        await harness.SendAsync([TestEvents.Commit("did:plc:default", 1)], perMessage: 1);
        await harness.Receiver.WaitForUniqueAsync(1, TimeSpan.FromSeconds(20));

        // A loop still running would have polled its queue within a second (Webhook:MaxPollInterval) by now.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(2, receiver.Stats.Requests);
    }

    [Fact]
    public async Task Url_resolving_to_loopback_is_refused_at_connect_time_unless_private_networks_are_allowed()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "subprivate");
        await using var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions());
        var id = harness.NewSubscriptionId("private");

        // A name, not an address: only the connect step sees where it resolves.
        var url = new UriBuilder(receiver.Url) { Host = "localhost" }.Uri;
        await harness.CreateSubscriptionAsync(id, url, []);
        var queued = TestEvents.Commit("did:plc:private", 1);
        await harness.SendAsync(id, [queued], perMessage: 1);
        var refused = await harness.StartConsumerAsync(new Dictionary<string, string?>
        {
            ["Webhook:AllowPrivateNetworks"] = "false",
            ["Webhook:RetrySchedule:0"] = "00:00:00.2",
        });

        var deadLetters = harness.Queues.DeadLettersFor(id);
        await ConsumerHarness.WaitUntilAsync(async () => await deadLetters.CountAsync() == 1, TimeSpan.FromSeconds(30), "the refused event to be dead-lettered");
        var entry = Assert.Single(await deadLetters.PeekAsync());
        Assert.Equal(2, entry.Attempts);
        Assert.Null(entry.LastStatus);
        Assert.Contains("Webhook:AllowPrivateNetworks=true", entry.LastError);
        Assert.Contains("localhost", entry.LastError);
        Assert.Equal(0, receiver.Stats.Requests);

        // The operator's own Webhook:Url is not checked: default still delivers to loopback.
        await harness.SendAsync([TestEvents.Commit("did:plc:operator", 1)], perMessage: 1);
        await harness.Receiver.WaitForUniqueAsync(1, TimeSpan.FromSeconds(20));

        await harness.KillAsync(refused);
        Assert.Equal(1, await deadLetters.RedriveAllAsync());
        await harness.StartConsumerAsync(new Dictionary<string, string?> { ["Webhook:AllowPrivateNetworks"] = "true" });
        await receiver.WaitForUniqueAsync(1, TimeSpan.FromSeconds(20));
        Assert.Equal(queued.EventId, receiver.Deliveries.Single().Id);
        harness.Report($"loopback refused: \"{entry.LastError}\"; delivered once allowed");
    }
}
