using System.Collections.Concurrent;
using System.Diagnostics;
using Jetstream.Emulator;
using Jetstream.TestSupport;
using Jetstream.WebhookReceiver;

namespace Jetstream.Run.Tests;

/// <summary>
/// One trace per event: the processor's receive span, carried in the queue message, parents the webhook call. The
/// consumer makes spans only when traces are exported (ServiceDefaults' TraceExport); either way the receiver gets the
/// event's trace.
/// </summary>
[Collection(RunCollection.Name)]
public sealed class TraceTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Each_webhook_request_carries_the_trace_of_the_jetstream_receive_that_queued_its_event(bool consumerExportsTraces)
    {
        var receiveSpans = new ConcurrentDictionary<string, string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Jetstream.Processor",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == "jetstream.receive" && activity.GetTagItem("jetstream.event_id") is string eventId)
                {
                    receiveSpans[eventId] = activity.Id!;
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var storage = await SharedAzurite.GetConnectionStringAsync();
        var queue = TestNames.Queue("trace");
        await using var emulator = await JetstreamEmulator.StartAsync();
        var cluster = await ProcessorTestCluster.StartAsync(storage, ProcessorTestCluster.Settings(emulator.SubscribeUri, queue, "work.doing.*"));
        await using var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions());
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__AzureStorage"] = storage,
            ["Queue__Name"] = queue,
            ["Queue__LargeEventContainer"] = queue + "-large",
            ["Subscriptions__Container"] = queue + "-subs",
            ["Webhook__Url"] = receiver.Url.ToString(),
            ["Urls"] = $"http://127.0.0.1:{FreePort.Next()}",
        };
        if (consumerExportsTraces)
        {
            // Nothing listens there: the export fails quietly, but the spans are made.
            settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{FreePort.Next()}";
        }

        await using var consumer = HostProcess.Start("WebhookConsumer", settings);
        try
        {
            await emulator.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(30));
            emulator.PublishMany(new EventGenerator(7, new GeneratorProfile { CommitShare = 1, Collections = ["work.doing.task"] }).Take(5));

            await receiver.WaitForUniqueAsync(5, TimeSpan.FromSeconds(60));

            Assert.Equal(5, receiver.Deliveries.Count);
            foreach (var delivery in receiver.Deliveries)
            {
                Assert.True(receiveSpans.TryGetValue(delivery.Id, out var receiveSpan), $"no jetstream.receive span for {delivery.Id}");
                Assert.True(delivery.Headers.TryGetValue("traceparent", out var traceParent), $"no traceparent header on {delivery.Id}\n{consumer.OutputText()}");
                var context = ActivityContext.Parse(traceParent, null);
                var receive = ActivityContext.Parse(receiveSpan, null);
                Assert.Equal(receive.TraceId, context.TraceId);
                if (consumerExportsTraces)
                {
                    // The request's parent is the consumer's own span (HttpClient's, under webhook.deliver).
                    Assert.NotEqual(receive.SpanId, context.SpanId);
                }
                else
                {
                    // No span made in the consumer: the receive span's context goes on as the queue carried it.
                    Assert.Equal(receiveSpan, traceParent);
                }
            }

            Assert.Equal(5, receiver.Deliveries.Select(d => d.Headers["traceparent"][3..35]).Distinct().Count());
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
