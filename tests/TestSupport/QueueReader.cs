using Azure.Storage.Queues;
using Jetstream.Storage;

namespace Jetstream.TestSupport;

/// <summary>Reads what the processor queued: every event of every message, consuming the messages.</summary>
public static class QueueReader
{
    public static QueueClient Client(string connectionString, string queueName) =>
        new(connectionString, queueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });

    /// <summary>
    /// Drains the queue until it has yielded at least <paramref name="expected"/> distinct events (duplicates do not
    /// count towards it, so they cannot end the wait early) or the timeout passes.
    /// </summary>
    public static async Task<List<QueuedEvent>> DrainAsync(QueueClient queue, int expected, TimeSpan timeout)
    {
        var events = new List<QueuedEvent>();
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (!(await queue.ExistsAsync()).Value)
            {
                await Task.Delay(100);
                continue;
            }

            var batch = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            foreach (var message in batch)
            {
                foreach (var queued in QueueMessageCodec.Decode(message.Body))
                {
                    events.Add(queued);
                    distinct.Add(queued.EventId);
                }

                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }

            if (batch.Length == 0)
            {
                if (distinct.Count >= expected)
                {
                    break;
                }

                await Task.Delay(100);
            }
        }

        return events;
    }
}
