using System.Diagnostics;
using Azure.Storage.Queues;
using Jetstream.Storage;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Limit (b): raw <see cref="QueueClient.SendMessageAsync(BinaryData, TimeSpan?, TimeSpan?, CancellationToken)"/> calls to
/// the same Azurite, with the processor's message bodies and its number of sends in flight, one event per message or
/// packed as the processor packs them, in message version 1 (plain, <c>Queue:MessageVersion=1</c>) or 2 (deflate-compressed, the processor's default).
/// </summary>
internal static class QueueLimit
{
    public const string Command = "limit-queue";

    public static async Task<int> RunAsync(ChildArgs args)
    {
        var connection = args["connection"];
        var seconds = args.Double("seconds");
        var inFlight = args.Int("inflight");
        var maxEvents = args.Int("maxevents");
        var events = SampleEvents.Commits(StreamProfile.Named(args["profile"]), 4096);
        var deflate = args["deflate"] == "true";
        var messages = SampleEvents.Pack(events, deflate ? QueueMessageCodec.CompressedVersion : QueueMessageCodec.PlainVersion, new QueueOptions().MaxMessageBytes, maxEvents);

        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        var queue = new QueueClient(connection, args["queue"], options);
        await queue.CreateIfNotExistsAsync();
        try
        {
            // A short warm-up opens the connections and fills the SDK's caches.
            await SendForAsync(queue, messages, inFlight, TimeSpan.FromSeconds(1));
            var startCpu = LimitResult.ProcessCpuSeconds();
            var clock = Stopwatch.StartNew();
            var (sentMessages, sentEvents, sentBytes, errors) = await SendForAsync(queue, messages, inFlight, TimeSpan.FromSeconds(seconds));
            new LimitResult
            {
                Name = deflate ? "queue-deflate" : maxEvents == 1 ? "queue-single" : "queue-packed",
                Seconds = clock.Elapsed.TotalSeconds,
                Events = sentEvents,
                Messages = sentMessages,
                Bytes = sentBytes,
                Errors = errors,
                CpuSeconds = LimitResult.ProcessCpuSeconds() - startCpu,
            }.Print();
        }
        finally
        {
            await queue.DeleteIfExistsAsync();
        }

        return 0;
    }

    private static async Task<(long Messages, long Events, long Bytes, long Errors)> SendForAsync(
        QueueClient queue, List<(BinaryData Body, int Events)> messages, int inFlight, TimeSpan duration)
    {
        long sentMessages = 0, sentEvents = 0, sentBytes = 0, errors = 0, next = -1;
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, inFlight).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var (body, count) = messages[(int)(Interlocked.Increment(ref next) % messages.Count)];
                try
                {
                    await queue.SendMessageAsync(body, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1));
                    Interlocked.Increment(ref sentMessages);
                    Interlocked.Add(ref sentEvents, count);
                    Interlocked.Add(ref sentBytes, body.ToMemory().Length);
                }
                catch (Azure.RequestFailedException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        });
        await Task.WhenAll(workers);
        return (sentMessages, sentEvents, sentBytes, errors);
    }
}
