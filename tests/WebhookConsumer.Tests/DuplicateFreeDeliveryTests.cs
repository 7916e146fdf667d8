using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Jetstream.TestSupport;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// Issue 13: without a fault, every event reaches the webhook exactly once, through the whole pipeline (a Jetstream
/// server, the real processor grain, Azurite, the real consumer, a real receiver).
/// </summary>
public sealed class DuplicateFreeDeliveryTests(ITestOutputHelper output)
{
    private const string CopyLog = "was delivered moments ago";

    [Fact]
    public async Task Fault_free_stream_through_the_processor_reaches_the_webhook_exactly_once()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "exactlyonce");
        await using var server = FragmentingWebSocketServer.Start();
        var settings = ProcessorTestCluster.Settings(server.UriFor("/subscribe"), harness.Clients.Options.Name, "app.test.event");
        settings["Queue:LargeEventContainer"] = harness.Clients.Options.LargeEventContainer;
        await using var cluster = await ProcessorTestCluster.StartAsync(await SharedAzurite.GetConnectionStringAsync(), settings);
        await server.WaitForClientAsync(TimeSpan.FromSeconds(30));
        await harness.StartConsumerAsync();

        // As the issue measured it: 150 events/s, 45 % of them matching, a few DIDs with many events each. The
        // producer's repeated writes came from writes that completed synchronously, which a loaded machine makes likely.
        const int matching = 2700;
        const int perSecond = 150;
        var random = new Random(13);
        var timeUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var sent = 0;
        var kept = 0;
        var clock = Stopwatch.StartNew();
        while (kept < matching)
        {
            var keep = random.NextDouble() < 0.45;
            var collection = keep ? "app.test.event" : "app.test.other";
            var json = $$"""{"did":"did:plc:once{{random.Next(8)}}","time_us":{{++timeUs}},"kind":"commit","commit":{"rev":"3l{{sent:D8}}","operation":"create","collection":"{{collection}}","rkey":"k{{sent:D8}}","record":{"$type":"{{collection}}","seq":{{sent}}""" + "}}}";
            await server.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, [], TimeSpan.Zero);
            sent++;
            kept += keep ? 1 : 0;
            var due = TimeSpan.FromSeconds(sent / (double)perSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }
        }

        await harness.Receiver.WaitForUniqueAsync(matching, TimeSpan.FromSeconds(60));

        // Late copies would come now.
        await ConsumerHarness.WaitUntilAsync(async () => await harness.MainQueueCountAsync() == 0, TimeSpan.FromSeconds(20), "the queue to empty");
        await Task.Delay(1000);
        var stats = harness.Receiver.Stats;
        var copies = harness.Receiver.Deliveries.GroupBy(d => d.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key} at {string.Join(", ", g.Select(d => d.ArrivedAt.ToString("HH:mm:ss.fff")))}").ToArray();
        var recognised = harness.Logs.Lines.Count(l => l.Contains(CopyLog, StringComparison.Ordinal));
        harness.Report($"{sent} events sent at {perSecond}/s, {matching} matching, in {clock.Elapsed.TotalSeconds:0.0} s: {stats.Requests} requests, " +
            $"{stats.UniqueIds} unique webhook-ids, {stats.Duplicates} duplicates, {recognised} copies recognised by the consumer");
        Assert.Equal(matching, stats.UniqueIds);
        Assert.True(copies.Length == 0, "delivered more than once: " + string.Join("; ", copies));

        // The consumer would drop a copy it recognised; none may reach it, or the producer wrote an event twice.
        Assert.Equal(0, recognised);
        Assert.Equal(0, stats.Rejected);
    }

    [Fact]
    public async Task A_copy_of_an_event_in_another_message_is_settled_without_being_sent_again()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "copies");
        var events = TestEvents.Interleaved(dids: 4, perDid: 6);
        var copied = events[5];

        // What the producer's repeated write left: the same events again in the next message, one of them three times.
        await harness.SendAsync(events.Take(12).ToArray(), perMessage: 4);
        await harness.SendAsync(events.Skip(4).Take(4).ToArray(), perMessage: 4);
        await harness.SendAsync([copied], perMessage: 1);
        await harness.SendAsync(events.Skip(12).ToArray(), perMessage: 4);
        await harness.StartConsumerAsync();

        await harness.Receiver.WaitForUniqueAsync(events.Count, TimeSpan.FromSeconds(30));
        await ConsumerHarness.WaitUntilAsync(async () => await harness.MainQueueCountAsync() == 0, TimeSpan.FromSeconds(20), "the queue to empty");

        var stats = harness.Receiver.Stats;
        Assert.Equal(events.Count, stats.Requests);
        Assert.Equal(0, stats.Duplicates);
        Assert.Equal(0, harness.OvertakenWithinDid(events));
        Assert.Equal(5, harness.Logs.Lines.Count(l => l.Contains(CopyLog, StringComparison.Ordinal)));
        Assert.Contains(harness.Logs.Lines, l => l.Contains(CopyLog, StringComparison.Ordinal) && l.Contains(copied.EventId, StringComparison.Ordinal));
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
    }
}
