using Jetstream.Storage;
using Jetstream.WebhookReceiver;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// Issue 20: a backlog of small messages (what a receiver's outage leaves) is not drained one receive at a time.
/// One receive brings at most 32 messages, and the next batch waited for the last request of this one, so at most 32
/// requests were ever in flight however much waited (the bench drained about 150 messages/s after an outage while 200
/// events/s kept coming). With several receives in flight their union is delivered at once, up to
/// <c>Webhook:MaxConcurrency</c>, and each DID's events still go in queue order across them. Speed itself is the bench's
/// to measure (<c>--only outage</c>); here the receiver holds each request a little, so requests overlap whatever the
/// machine's load, and the test counts how many were in flight at once.
/// </summary>
public sealed class BacklogDrainTests(ITestOutputHelper output)
{
    private const int Dids = 100;
    private const int Events = 3000;
    private const int Senders = 8;

    [Fact]
    public async Task A_backlog_of_small_messages_is_delivered_several_receives_wide_in_DID_order_without_loss()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "drain");
        harness.Receiver.Behaviour = new ReceiverBehaviour { Delay = TimeSpan.FromMilliseconds(50) };

        // Stamped in order, then queued one event to a message by several senders, each owning a share of the DIDs and
        // sending them in order: every DID's messages are in queue order, the DIDs interleave as a busy feed's would.
        var sent = Enumerable.Range(0, Events).Select(i => TestEvents.Commit($"did:plc:drain{i % Dids:D4}", i)).ToList();
        await Task.WhenAll(Enumerable.Range(0, Senders).Select(s =>
            harness.SendAsync([.. sent.Where(e => int.Parse(e.Did[^4..], System.Globalization.CultureInfo.InvariantCulture) % Senders == s)], perMessage: 1)));

        await harness.StartConsumerAsync(new Dictionary<string, string?> { ["Webhook:MaxConcurrency"] = "64" });
        await ConsumerHarness.WaitUntilAsync(
            () => Task.FromResult(harness.Receiver.Deliveries.Select(d => d.Id).Distinct().Count() >= Events),
            TimeSpan.FromSeconds(180),
            $"all {Events} events");

        var stats = harness.Receiver.Stats;
        var overtaken = harness.OvertakenWithinDid(sent);
        harness.Report($"{Events} events over {Dids} DIDs, one to a message: {stats.Requests} requests, at most {stats.MaxConcurrent} in flight, {overtaken} overtaken within a DID");

        Assert.Equal(sent.Select(e => e.EventId).Order(), harness.Receiver.Deliveries.Select(d => d.Id).Distinct().Order());
        Assert.Equal(0, overtaken);
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
        Assert.True(stats.MaxConcurrent > 32, $"at most {stats.MaxConcurrent} requests in flight: the backlog went one receive (32 messages) at a time");
    }
}
