using System.Collections.Concurrent;
using System.Diagnostics;
using Jetstream.Emulator;
using Jetstream.TestSupport;
using Jetstream.WebhookReceiver;

namespace Jetstream.Run.Tests;

/// <summary>One trace per event: the processor's receive span, carried in the queue message, parents the webhook call.</summary>
[Collection(RunCollection.Name)]
public sealed class TraceTests
{
    [Fact]
    public async Task Each_webhook_request_carries_the_trace_of_the_jetstream_receive_that_queued_its_event()
    {
        var receiveTraces = new ConcurrentDictionary<string, ActivityTraceId>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Jetstream.Processor",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == "jetstream.receive" && activity.GetTagItem("jetstream.event_id") is string eventId)
                {
                    receiveTraces[eventId] = activity.TraceId;
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var storage = await SharedAzurite.GetConnectionStringAsync();
        var queue = TestNames.Queue("trace");
        await using var emulator = await JetstreamEmulator.StartAsync();
        var cluster = await ProcessorTestCluster.StartAsync(storage, ProcessorTestCluster.Settings(emulator.SubscribeUri, queue, "work.doing.*"));
        await using var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions());
        await using var consumer = HostProcess.Start("WebhookConsumer", new Dictionary<string, string>
        {
            ["ConnectionStrings__AzureStorage"] = storage,
            ["Queue__Name"] = queue,
            ["Queue__LargeEventContainer"] = queue + "-large",
            ["Subscriptions__Container"] = queue + "-subs",
            ["Webhook__Url"] = receiver.Url.ToString(),
            ["Urls"] = $"http://127.0.0.1:{FreePort.Next()}",
        });
        try
        {
            await emulator.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(30));
            emulator.PublishMany(new EventGenerator(7, new GeneratorProfile { CommitShare = 1, Collections = ["work.doing.task"] }).Take(5));

            await receiver.WaitForUniqueAsync(5, TimeSpan.FromSeconds(60));

            Assert.Equal(5, receiver.Deliveries.Count);
            foreach (var delivery in receiver.Deliveries)
            {
                Assert.True(receiveTraces.TryGetValue(delivery.Id, out var receiveTrace), $"no jetstream.receive span for {delivery.Id}");
                Assert.True(delivery.Headers.TryGetValue("traceparent", out var traceParent), $"no traceparent header on {delivery.Id}\n{consumer.OutputText()}");
                var context = ActivityContext.Parse(traceParent, null);
                Assert.Equal(receiveTrace, context.TraceId);
            }

            Assert.Equal(5, receiver.Deliveries.Select(d => d.Headers["traceparent"][3..35]).Distinct().Count());
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
