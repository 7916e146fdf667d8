using System.Diagnostics;
using Jetstream.WebhookReceiver;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

public sealed class RetryTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> ShortSchedule = new()
    {
        ["Webhook:RetrySchedule:0"] = "00:00:00.2",
        ["Webhook:RetrySchedule:1"] = "00:00:00.5",
        ["Webhook:RetrySchedule:2"] = "00:00:01",
    };

    [Fact]
    public async Task Receiver_failing_30_percent_gets_every_event_and_duplicates_only_repeat_a_webhook_id()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "flaky");
        var events = TestEvents.Interleaved(dids: 60, perDid: 5);
        await harness.SendAsync(events, perMessage: 8);
        harness.Receiver.Behaviour = new ReceiverBehaviour { FailureRate = 0.3 };
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < 12; i++)
        {
            settings[$"Webhook:RetrySchedule:{i}"] = "00:00:00.2";
        }

        var clock = Stopwatch.StartNew();
        await harness.StartConsumerAsync(settings);
        await harness.Receiver.WaitForUniqueAsync(events.Count, TimeSpan.FromSeconds(60));
        var elapsed = clock.Elapsed;

        var expected = events.ToDictionary(e => e.EventId, e => e.EventJson.ToArray());
        Assert.Equal(expected.Count, events.Count);
        Assert.Equal(expected.Keys.Order(), harness.Receiver.Deliveries.Select(d => d.Id).Distinct().Order());
        Assert.All(harness.Receiver.Deliveries, d => Assert.Equal(expected[d.Id], d.Body));
        Assert.All(harness.Receiver.Requests, r => Assert.Contains(r.Id!, expected.Keys));
        var stats = harness.Receiver.Stats;
        Assert.Equal(0, stats.Rejected);
        Assert.True(stats.Failed > events.Count / 10, $"the receiver failed only {stats.Failed} requests");
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
        var overtaken = harness.OvertakenWithinDid(events);
        Assert.Equal(0, overtaken);
        harness.Report($"30% failures: {events.Count} events, {stats.Requests} requests ({stats.Failed} failed on purpose), " +
            $"{stats.Delivered} delivered, {stats.UniqueIds} unique, {stats.Duplicates} duplicates, {overtaken} out of per-DID order, all in {elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Retry_after_on_429_delays_the_next_attempt_by_at_least_two_seconds()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "retryafter");
        var queued = TestEvents.Commit("did:plc:retryafter", 1);
        await harness.SendAsync([queued], perMessage: 1);
        harness.Receiver.Behaviour = new ReceiverBehaviour { StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(2) };

        await harness.StartConsumerAsync(ShortSchedule);
        await ConsumerHarness.WaitUntilAsync(() => Task.FromResult(harness.Receiver.Requests.Count >= 1), TimeSpan.FromSeconds(10), "the first attempt");
        harness.Receiver.Behaviour = ReceiverBehaviour.Normal;
        await harness.Receiver.WaitForUniqueAsync(1, TimeSpan.FromSeconds(10));

        var attempts = harness.Receiver.Requests;
        Assert.Equal([429, 200], attempts.Select(r => r.Status));
        var wait = attempts[1].ArrivedAt - attempts[0].ArrivedAt;
        Assert.True(wait >= TimeSpan.FromSeconds(2), $"second attempt came {wait.TotalMilliseconds:0} ms after the 429");
        harness.Report($"429 with Retry-After: 2 → next attempt after {wait.TotalMilliseconds:0} ms (schedule step 200 ms)");
    }

    [Fact]
    public async Task Permanent_500_dead_letters_with_the_attempt_count_and_redrive_delivers_after_recovery()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "poison");
        var packed = Enumerable.Range(0, 3).Select(i => TestEvents.Commit($"did:plc:poison{i}", i)).ToArray();
        var single = TestEvents.Commit("did:plc:poison-single", 9);
        var blobName = single.EventId + ".json";
        await harness.Clients.LargeEvents.GetBlobClient(blobName).UploadAsync(new BinaryData(single.EventJson));
        await harness.SendAsync(packed, perMessage: 3);
        await harness.SendAsync([single with { EventJson = default, BlobName = blobName }], perMessage: 1);
        harness.Receiver.Behaviour = new ReceiverBehaviour { StatusCode = 500 };

        await harness.StartConsumerAsync(ShortSchedule);
        await ConsumerHarness.WaitUntilAsync(async () => await harness.DeadLetters.CountAsync() == 4, TimeSpan.FromSeconds(30), "four dead-lettered events");

        var entries = await harness.DeadLetters.PeekAsync();
        Assert.Equal([.. packed.Select(e => e.EventId).Append(single.EventId).Order()], entries.Select(e => e.EventId!).Order());
        Assert.All(entries, e =>
        {
            Assert.Equal(4, e.Attempts);
            Assert.Equal(500, e.LastStatus);
            Assert.Contains("500", e.LastError);
            Assert.NotNull(e.FirstAttemptAt);
        });
        Assert.Single(entries, e => e.InBlob);
        Assert.Equal(0, await harness.MainQueueCountAsync());
        Assert.True(await harness.Clients.LargeEvents.GetBlobClient(blobName).ExistsAsync(), "the blob of a dead-lettered event must be kept");
        Assert.Equal(16, harness.Receiver.Requests.Count);
        Assert.Equal(0, harness.Receiver.Stats.Delivered);

        harness.Receiver.Behaviour = ReceiverBehaviour.Normal;
        Assert.True(await harness.DeadLetters.RedriveAsync(single.EventId));
        await harness.Receiver.WaitForUniqueAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal(single.EventId, harness.Receiver.Deliveries.Single().Id);
        Assert.Equal(single.EventJson.ToArray(), harness.Receiver.Deliveries.Single().Body);
        Assert.Equal(3, await harness.DeadLetters.CountAsync());
        Assert.False(await harness.DeadLetters.RedriveAsync("evt_not_there"));

        Assert.Equal(3, await harness.DeadLetters.RedriveAllAsync());
        await harness.Receiver.WaitForUniqueAsync(4, TimeSpan.FromSeconds(10));
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
        Assert.Equal(0, harness.Receiver.Stats.Duplicates);
        await ConsumerHarness.WaitUntilAsync(async () => !await harness.Clients.LargeEvents.GetBlobClient(blobName).ExistsAsync(),
            TimeSpan.FromSeconds(10), "the redriven large event's blob to be deleted after delivery");
        harness.Report($"permanent 500: 4 events dead-lettered after 4 attempts each ({harness.Receiver.Requests.Count - 4} failed requests), all 4 delivered after redrive");
    }

    [Fact]
    public async Task Client_error_dead_letters_before_the_schedule_is_spent()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "clienterror");
        var queued = TestEvents.Commit("did:plc:clienterror", 1);
        await harness.SendAsync([queued], perMessage: 1);
        harness.Receiver.Behaviour = new ReceiverBehaviour { StatusCode = 422 };

        await harness.StartConsumerAsync(new Dictionary<string, string?>(ShortSchedule) { ["Webhook:ClientErrorMaxAttempts"] = "2" });
        await ConsumerHarness.WaitUntilAsync(async () => await harness.DeadLetters.CountAsync() == 1, TimeSpan.FromSeconds(20), "the event to be dead-lettered");

        var entry = Assert.Single(await harness.DeadLetters.PeekAsync());
        Assert.Equal(queued.EventId, entry.EventId);
        Assert.Equal(2, entry.Attempts);
        Assert.Equal(422, entry.LastStatus);
    }

    [Fact]
    public async Task Attempt_without_an_answer_in_time_is_an_endpoint_failure_that_spends_no_attempt_and_dead_letters_past_the_schedules_total()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "timeout");
        var queued = TestEvents.Commit("did:plc:slow", 1);
        await harness.SendAsync([queued], perMessage: 1);
        harness.Receiver.Behaviour = new ReceiverBehaviour { Delay = TimeSpan.FromSeconds(5) };

        await harness.StartConsumerAsync(new Dictionary<string, string?>
        {
            ["Webhook:TimeoutSeconds"] = "1",
            ["Webhook:RetrySchedule:0"] = "00:00:00.2",
        });
        await ConsumerHarness.WaitUntilAsync(async () => await harness.DeadLetters.CountAsync() == 1, TimeSpan.FromSeconds(20), "the event to be dead-lettered");

        // A timeout is the endpoint's failure: no attempt spent; the outage, longer than the schedule's 0.2 s, ends it.
        var entry = Assert.Single(await harness.DeadLetters.PeekAsync());
        Assert.Equal(0, entry.Attempts);
        Assert.Null(entry.LastStatus);
        Assert.StartsWith("No response within 1 s", entry.LastError);
        Assert.Contains("longer than Webhook:RetrySchedule's total", entry.LastError);
        Assert.Equal(2, harness.Receiver.Stats.Requests);
        Assert.Equal(0, harness.Receiver.Stats.Delivered);
    }

    [Fact]
    public async Task Undecodable_message_moves_unchanged_to_the_dead_letter_queue_and_the_rest_is_delivered()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "undecodable");
        var good = TestEvents.Commit("did:plc:good", 1);
        await harness.Clients.Queue.SendMessageAsync(new BinaryData("this is not JSON"u8.ToArray()));
        // Malformed, not newer: a newer version stays in the queue for a newer consumer (MessageVersionTests).
        await harness.Clients.Queue.SendMessageAsync(new BinaryData("""{"v":1,"events":[{"eventId":"evt_x"}]}"""u8.ToArray()));
        await harness.SendAsync([good], perMessage: 1);

        await harness.StartConsumerAsync();
        await harness.Receiver.WaitForUniqueAsync(1, TimeSpan.FromSeconds(10));
        await ConsumerHarness.WaitUntilAsync(async () => await harness.DeadLetters.CountAsync() == 2, TimeSpan.FromSeconds(10), "two undecodable messages dead-lettered");

        var entries = await harness.DeadLetters.PeekAsync();
        Assert.All(entries, e => Assert.Null(e.EventId));
        Assert.Contains(entries, e => e.LastError!.Contains("not valid JSON"));
        Assert.Contains(entries, e => e.LastError!.Contains("lacks one of eventId, did, queuedAt, timeUs"));
        var bodies = (await harness.Clients.PoisonQueue.PeekMessagesAsync(10)).Value.Select(m => m.Body.ToString()).Order(StringComparer.Ordinal);
        Assert.Equal(["this is not JSON", """{"v":1,"events":[{"eventId":"evt_x"}]}"""], bodies);
        Assert.Equal(0, await harness.DeadLetters.RedriveAllAsync());
        Assert.Equal(2, await harness.DeadLetters.CountAsync());
        Assert.Equal(0, await harness.MainQueueCountAsync());
        Assert.Equal(1, harness.Receiver.Stats.Requests);
    }
}
