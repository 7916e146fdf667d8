using Jetstream.Storage;
using Jetstream.WebhookConsumer.Deliver;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// Issue 19: a replay the user asked for is delivered, although its events were delivered moments ago, while an
/// accidental copy (the same message written twice) is still skipped. The processor stamps <c>queuedAt</c> when it
/// reads an event from Jetstream (<c>FrameHandler</c>), so a replay's events carry a later stamp than their first
/// delivery; a repeated write carries the same one.
/// </summary>
public sealed class ReplayDeliveryTests(ITestOutputHelper output)
{
    private const string CopyLog = "was delivered moments ago";

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public async Task A_replay_inside_the_copy_window_is_delivered_again_with_its_first_webhook_id_and_an_accidental_copy_is_not(int batchMaxEvents)
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "replay");
        var events = TestEvents.Interleaved(dids: 4, perDid: 5);
        await harness.SendAsync(events, perMessage: 4);
        await harness.StartConsumerAsync(new Dictionary<string, string?> { ["Webhook:BatchMaxEvents"] = batchMaxEvents.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await ConsumerHarness.WaitUntilAsync(async () => await harness.MainQueueCountAsync() == 0 && Delivered(harness).Count == events.Count, TimeSpan.FromSeconds(30), "the first delivery");

        // The replay: the processor reads the same events again and queues them with their ids and a new stamp. Then
        // its first message is written once more, as a write retried after a lost answer would be.
        var replayedAt = DateTimeOffset.UtcNow;
        var replay = events.Select((e, i) => e with { QueuedAt = replayedAt + TimeSpan.FromTicks(i) }).ToArray();
        await harness.SendAsync(replay, perMessage: 4);
        await ConsumerHarness.WaitUntilAsync(async () => await harness.MainQueueCountAsync() == 0 && Delivered(harness).Count >= 2 * events.Count, TimeSpan.FromSeconds(30), "the replay");
        await harness.SendAsync(replay.Take(4).ToArray(), perMessage: 4);
        await ConsumerHarness.WaitUntilAsync(async () => await harness.MainQueueCountAsync() == 0, TimeSpan.FromSeconds(30), "the copy to be settled");
        await Task.Delay(1000);

        var delivered = Delivered(harness);
        harness.Report($"replay of {events.Count} events delivered moments ago, batches of {batchMaxEvents}: {delivered.Count} event deliveries, " +
            $"{harness.Logs.Lines.Count(l => l.Contains(CopyLog, StringComparison.Ordinal))} copies skipped");
        Assert.All(events, e => Assert.Equal(2, delivered.Count(id => id == e.EventId)));
        Assert.Equal(4, harness.Logs.Lines.Count(l => l.Contains(CopyLog, StringComparison.Ordinal)));
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
    }

    /// <summary>Each event's <c>webhook-id</c> once per accepted request that carried it (one event, or a batch's).</summary>
    private static List<string> Delivered(ConsumerHarness harness) =>
        [.. harness.Receiver.Deliveries.SelectMany(d => d.Id.StartsWith(WebhookBatch.IdPrefix, StringComparison.Ordinal) ? ReceivedEvents.EventIds(d.Body) : [d.Id])];
}
