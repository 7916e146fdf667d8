using Jetstream.Storage;
using Jetstream.WebhookReceiver;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>The consumer serving subscriptions from the store: real documents, real queues, real receivers.</summary>
public sealed class SubscriptionDeliveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Subscription_created_while_the_consumer_runs_is_delivered_signed_with_its_secret_and_bearer_token()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "subcreated");
        await harness.StartConsumerAsync();
        var secret = ConsumerHarness.NewSecret();
        await using var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions { Secret = secret });
        var id = harness.NewSubscriptionId("created");

        // Two secrets, the receiver knows the second: a rotation in progress.
        await harness.CreateSubscriptionAsync(id, receiver.Url, [ConsumerHarness.NewSecret(), secret], bearerToken: "sub-bearer-token");
        var events = TestEvents.Interleaved(dids: 5, perDid: 4);
        await harness.SendAsync(id, events, perMessage: 3);

        await receiver.WaitForUniqueAsync(events.Count, TimeSpan.FromSeconds(30));
        var expected = events.ToDictionary(e => e.EventId, e => e.EventJson.ToArray());
        await Jetstream.TestSupport.Eventually.HoldsAsync(() => Task.FromResult(receiver.Deliveries.Count >= events.Count), TimeSpan.FromSeconds(10), "the delivery records");
        Assert.All(receiver.Deliveries, d =>
        {
            Assert.Equal(expected[d.Id], d.Body);
            Assert.True(d.SignatureValid);
            Assert.Equal(2, d.Headers["webhook-signature"].Split(' ').Length);
            Assert.Equal("Bearer sub-bearer-token", d.Headers["Authorization"]);
        });
        Assert.Equal(0, receiver.Stats.Rejected);
        Assert.Equal(0, harness.Receiver.Stats.Requests);
        await ConsumerHarness.WaitUntilAsync(async () => await CountAsync(harness.Queues.For(id)) == 0, TimeSpan.FromSeconds(10), "the subscription's queue to empty");
    }

    [Fact]
    public async Task Three_subscriptions_each_receive_exactly_their_own_events()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "subthree");
        var subscriptions = new List<(string Id, WebhookReceiverHost Receiver, IReadOnlyList<QueuedEvent> Events)>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var secret = ConsumerHarness.NewSecret();
                var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions { Secret = secret });
                var id = harness.NewSubscriptionId($"three{i}");
                await harness.CreateSubscriptionAsync(id, receiver.Url, [secret], bearerToken: $"token-{i}");
                var events = TestEvents.Interleaved(dids: 10 + i, perDid: 5, didPrefix: $"did:plc:three{i}x");
                await harness.SendAsync(id, events, perMessage: 4);
                subscriptions.Add((id, receiver, events));
            }

            await harness.StartConsumerAsync();
            foreach (var (_, receiver, events) in subscriptions)
            {
                await receiver.WaitForUniqueAsync(events.Count, TimeSpan.FromSeconds(60));
            }

            foreach (var (id, receiver, events) in subscriptions)
            {
                await ConsumerHarness.WaitUntilAsync(async () => await CountAsync(harness.Queues.For(id)) == 0, TimeSpan.FromSeconds(10), $"{id}'s queue to empty");
                var index = subscriptions.FindIndex(s => s.Id == id);
                Assert.Equal(events.Select(e => e.EventId).Order(), receiver.Deliveries.Select(d => d.Id).Distinct().Order());
                Assert.All(receiver.Requests, r => Assert.Contains(r.Id!, events.Select(e => e.EventId)));
                Assert.All(receiver.Deliveries, d => Assert.Equal($"Bearer token-{index}", d.Headers["Authorization"]));
                Assert.Equal(0, receiver.Stats.Rejected);
            }

            Assert.Equal(0, harness.Receiver.Stats.Requests);
            harness.Report($"three subscriptions: {string.Join(", ", subscriptions.Select(s => $"{s.Events.Count} events → {s.Receiver.Stats.UniqueIds} unique"))}");
        }
        finally
        {
            foreach (var (_, receiver, _) in subscriptions)
            {
                await receiver.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Changed_webhook_takes_effect_without_losing_events()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "subchanged");
        var firstSecret = ConsumerHarness.NewSecret();
        var secondSecret = ConsumerHarness.NewSecret();
        await using var first = await WebhookReceiverHost.StartAsync(new ReceiverOptions { Secret = firstSecret });
        await using var second = await WebhookReceiverHost.StartAsync(new ReceiverOptions { Secret = secondSecret });
        first.Behaviour = new ReceiverBehaviour { Delay = TimeSpan.FromMilliseconds(30) };
        var id = harness.NewSubscriptionId("changed");
        await harness.CreateSubscriptionAsync(id, first.Url, [firstSecret]);
        var events = TestEvents.Interleaved(dids: 4, perDid: 60);
        await harness.SendAsync(id, events, perMessage: 2);

        // One receive at a time (no widening over a backlog), so events are still queued when the webhook changes.
        await harness.StartConsumerAsync(new Dictionary<string, string?> { ["Webhook:BatchSize"] = "4", ["Webhook:MaxParallelReceives"] = "1" });
        await ConsumerHarness.WaitUntilAsync(() => Task.FromResult(first.Stats.Delivered >= 20), TimeSpan.FromSeconds(30), "deliveries to the first webhook");
        await harness.Store.UpdateAsync(id, d => d with { Webhook = harness.Webhook(second.Url, [secondSecret]) });

        await ConsumerHarness.WaitUntilAsync(() => Task.FromResult(first.Deliveries.Select(d => d.Id).Union(second.Deliveries.Select(d => d.Id)).Count() == events.Count),
            TimeSpan.FromSeconds(60), "every event at one of the two webhooks");
        await ConsumerHarness.WaitUntilAsync(async () => await CountAsync(harness.Queues.For(id)) == 0, TimeSpan.FromSeconds(10), "the queue to empty");

        // Each receiver checks its own secret: a request signed for the other one would be refused (401).
        Assert.Equal(0, first.Stats.Rejected);
        Assert.Equal(0, second.Stats.Rejected);
        Assert.True(second.Stats.Delivered > 0, "nothing reached the new webhook");
        Assert.Equal(0, harness.OvertakenWithinDid(events, [.. first.Deliveries, .. second.Deliveries]));
        harness.Report($"webhook changed mid-stream: {first.Stats.UniqueIds} events to the first, {second.Stats.UniqueIds} to the second, " +
            $"{events.Count} of {events.Count} delivered");
    }

    [Fact]
    public async Task Subscription_timeout_applies_to_its_own_requests_only()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "subtimeout");
        await using var slow = await WebhookReceiverHost.StartAsync(new ReceiverOptions());
        slow.Behaviour = new ReceiverBehaviour { Delay = TimeSpan.FromSeconds(3) };
        var id = harness.NewSubscriptionId("timeout");
        await harness.CreateSubscriptionAsync(id, slow.Url, [], timeoutSeconds: 1);
        await harness.SendAsync(id, [TestEvents.Commit("did:plc:timeout", 1)], perMessage: 1);

        // default's receiver is as slow, but Webhook:TimeoutSeconds (15 s) lets it answer.
        harness.Receiver.Behaviour = new ReceiverBehaviour { Delay = TimeSpan.FromSeconds(3) };
        await harness.SendAsync([TestEvents.Commit("did:plc:default", 1)], perMessage: 1);
        await harness.StartConsumerAsync(new Dictionary<string, string?> { ["Webhook:RetrySchedule:0"] = "00:00:00.2" });

        var deadLetters = harness.Queues.DeadLettersFor(id);
        await ConsumerHarness.WaitUntilAsync(async () => await deadLetters.CountAsync() == 1, TimeSpan.FromSeconds(30), "the timed-out event to be dead-lettered");
        var entry = Assert.Single(await deadLetters.PeekAsync());
        Assert.StartsWith("No response within 1 s (the subscription's webhook timeoutSeconds). (the endpoint failed for", entry.LastError);
        Assert.Equal(0, slow.Stats.Delivered);
        await harness.Receiver.WaitForUniqueAsync(1, TimeSpan.FromSeconds(20));
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
    }

    [Fact]
    public async Task Without_a_webhook_url_default_waits_and_health_says_so_until_its_document_sets_one()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "subnourl");
        var events = TestEvents.Interleaved(dids: 3, perDid: 3);
        await harness.SendAsync(events, perMessage: 2);
        var host = await harness.StartConsumerAsync(new Dictionary<string, string?> { ["Webhook:Url"] = null, ["Webhook:Secret"] = null });
        var health = host.Services.GetRequiredService<HealthCheckService>();

        HealthReport report = null!;
        await ConsumerHarness.WaitUntilAsync(async () => (report = await health.CheckHealthAsync()).Status == HealthStatus.Degraded, TimeSpan.FromSeconds(10), "health to say default waits");
        Assert.Contains("default waits", report.Entries["queue"].Description);
        Assert.Contains("Webhook:Url", report.Entries["queue"].Description);
        Assert.Equal(events.Count, await CountEventsAsync(harness.Clients));

        var now = DateTimeOffset.UtcNow;
        Assert.True(await harness.Store.TryCreateAsync(new Jetstream.Storage.Subscriptions.SubscriptionDocument
        {
            Id = Jetstream.Storage.Subscriptions.SubscriptionDocument.DefaultId,
            Webhook = harness.Webhook(harness.Receiver.Url, [harness.Secret]),
            CreatedAt = now,
            UpdatedAt = now,
        }));
        await harness.Receiver.WaitForUniqueAsync(events.Count, TimeSpan.FromSeconds(30));
        Assert.Equal(0, harness.Receiver.Stats.Rejected);
        await ConsumerHarness.WaitUntilAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Healthy, TimeSpan.FromSeconds(10), "health to be healthy");
    }

    [Fact]
    public async Task Secrets_and_bearer_tokens_never_appear_in_the_logs()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "subsecrets");
        harness.LogLevel = LogLevel.Trace;
        var secret = ConsumerHarness.NewSecret();
        var oldSecret = ConsumerHarness.NewSecret();
        const string token = "never-logged-token-5d1f";
        await using var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions { Secret = secret });
        receiver.Behaviour = new ReceiverBehaviour { FailureRate = 0.5 };
        var id = harness.NewSubscriptionId("secrets");
        await harness.CreateSubscriptionAsync(id, receiver.Url, [oldSecret, secret], bearerToken: token);
        var broken = harness.NewSubscriptionId("broken");
        const string notASecret = "not-a-secret-8c2e";
        await harness.CreateSubscriptionAsync(broken, receiver.Url, [notASecret], bearerToken: token);
        var events = TestEvents.Interleaved(dids: 10, perDid: 3);
        await harness.SendAsync(id, events, perMessage: 3);
        await harness.SendAsync(broken, TestEvents.Interleaved(dids: 2, perDid: 2, didPrefix: "did:plc:broken"), perMessage: 2);

        var settings = Enumerable.Range(0, 12).ToDictionary(i => $"Webhook:RetrySchedule:{i}", _ => (string?)"00:00:00.2");
        settings["Webhook:BearerToken"] = "operator-token-77aa";
        var host = await harness.StartConsumerAsync(settings);
        await receiver.WaitForUniqueAsync(events.Count, TimeSpan.FromSeconds(60));
        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        await harness.StopConsumersAsync();

        var lines = harness.Logs.Lines;
        Assert.Contains(lines, l => l.Contains("failed (attempt", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(broken, StringComparison.Ordinal) && l.Contains("secret 1 is not", StringComparison.Ordinal));
        string[] forbidden = [secret, secret["whsec_".Length..], oldSecret, oldSecret["whsec_".Length..], token, notASecret, harness.Secret, harness.Secret["whsec_".Length..], "operator-token-77aa"];
        foreach (var value in forbidden)
        {
            Assert.DoesNotContain(lines, l => l.Contains(value, StringComparison.Ordinal));
            Assert.DoesNotContain(value, string.Join(" ", health.Entries.Values.Select(e => e.Description)));
        }

        harness.Report($"{lines.Count} log lines at every level, none with a secret or a token");
    }

    private static async Task<int> CountAsync(EventQueueClients clients) =>
        (await clients.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    private static async Task<int> CountEventsAsync(EventQueueClients clients) =>
        (await clients.Queue.PeekMessagesAsync(32)).Value.Sum(m => QueueMessageCodec.Decode(m.Body).Count);
}
