using Azure;
using Azure.Storage.Queues.Models;

namespace Jetstream.EventQueue;

/// <summary>
/// The dead-letter (poison) queue <c>&lt;Queue:Name&gt;-poison</c>: the consumer adds events whose retry schedule is
/// spent, operators count, peek and redrive them. Each dead-letter message holds one event in the
/// <see cref="QueueMessageCodec"/> format with its attempt count, last status and last error, or, for a main-queue
/// message that could not be decoded, that message's body unchanged. Messages are written with no expiry.
/// </summary>
public sealed class DeadLetterQueue
{
    /// <summary>Azure's limit for one receive or peek.</summary>
    public const int MaxBatch = 32;

    /// <summary>Longest <see cref="QueuedEvent.LastError"/> kept, so a dead-letter message stays under the 64 KiB limit.</summary>
    public const int MaxErrorLength = 300;

    // Azure's "never expire" message time-to-live; the SDK passes -1 seconds through as such.
    private static readonly TimeSpan NeverExpire = TimeSpan.FromSeconds(-1);

    // Long enough for one batch's send-then-delete; a message hidden by a redrive that died reappears after it.
    private static readonly TimeSpan RedriveLease = TimeSpan.FromSeconds(30);

    private readonly EventQueueClients _clients;

    public DeadLetterQueue(EventQueueClients clients)
    {
        _clients = clients;
    }

    /// <summary>Approximate number of dead-lettered events (Azure's approximate message count; one event per message).</summary>
    public async Task<int> CountAsync(CancellationToken cancellationToken = default)
    {
        await _clients.EnsureCreatedAsync(cancellationToken);
        QueueProperties properties = await _clients.PoisonQueue.GetPropertiesAsync(cancellationToken);
        return properties.ApproximateMessagesCount;
    }

    /// <summary>The first <paramref name="max"/> (at most 32) dead-letter messages, without hiding or removing them.</summary>
    public async Task<IReadOnlyList<DeadLetterEntry>> PeekAsync(int max = MaxBatch, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        await _clients.EnsureCreatedAsync(cancellationToken);
        PeekedMessage[] messages = await _clients.PoisonQueue.PeekMessagesAsync(Math.Min(max, MaxBatch), cancellationToken);
        return messages.Select(m => ToEntry(m.MessageId, m.Body, m.InsertedOn)).ToArray();
    }

    /// <summary>Writes <paramref name="queuedEvent"/> (with its attempts, last status and last error) as one dead-letter message.</summary>
    public async Task AddAsync(QueuedEvent queuedEvent, CancellationToken cancellationToken = default)
    {
        var lastError = queuedEvent.LastError is { Length: > MaxErrorLength } error ? error[..MaxErrorLength] : queuedEvent.LastError;
        var body = QueueMessageCodec.Encode([queuedEvent with { LastError = lastError, NotBefore = null }]);
        await _clients.EnsureCreatedAsync(cancellationToken);
        await _clients.PoisonQueue.SendMessageAsync(body, visibilityTimeout: null, timeToLive: NeverExpire, cancellationToken);
    }

    /// <summary>Writes a main-queue message body that could not be decoded, unchanged, so it is kept for inspection.</summary>
    public async Task AddUndecodableAsync(BinaryData body, CancellationToken cancellationToken = default)
    {
        await _clients.EnsureCreatedAsync(cancellationToken);
        await _clients.PoisonQueue.SendMessageAsync(body, visibilityTimeout: null, timeToLive: NeverExpire, cancellationToken);
    }

    /// <summary>
    /// Moves every dead-lettered event back to the main queue with its attempt history reset. Each message is sent to
    /// the main queue before it is deleted here, so a failure in between gives a duplicate, never a loss. Bodies that
    /// cannot be decoded stay in the dead-letter queue. Returns the number of events moved.
    /// </summary>
    public async Task<int> RedriveAllAsync(CancellationToken cancellationToken = default)
    {
        await _clients.EnsureCreatedAsync(cancellationToken);
        var moved = 0;
        var kept = new List<QueueMessage>();
        var keptIds = new HashSet<string>();
        try
        {
            while (true)
            {
                QueueMessage[] batch = await _clients.PoisonQueue.ReceiveMessagesAsync(MaxBatch, RedriveLease, cancellationToken);
                if (batch.Length == 0 || batch.All(m => keptIds.Contains(m.MessageId)))
                {
                    kept.AddRange(batch);
                    return moved;
                }

                foreach (var message in batch)
                {
                    if (await TryMoveAsync(message, cancellationToken))
                    {
                        moved++;
                    }
                    else
                    {
                        kept.Add(message);
                        keptIds.Add(message.MessageId);
                    }
                }
            }
        }
        finally
        {
            // What could not be moved is shown again at once rather than when the lease ends.
            await ReleaseAsync(kept);
        }
    }

    /// <summary>
    /// Moves the dead-letter message whose event id or message id is <paramref name="id"/> back to the main queue with
    /// its attempt history reset. Returns false when no such message is there (or its body cannot be decoded).
    /// </summary>
    public async Task<bool> RedriveAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        await _clients.EnsureCreatedAsync(cancellationToken);

        // Queues have no lookup by id: receive through the queue, hiding what was looked at so the next receive moves
        // on, and make those messages visible again at the end.
        var passedOver = new List<QueueMessage>();
        var seen = new HashSet<string>();
        try
        {
            while (true)
            {
                QueueMessage[] batch = await _clients.PoisonQueue.ReceiveMessagesAsync(MaxBatch, RedriveLease, cancellationToken);
                if (batch.Length == 0 || batch.All(m => seen.Contains(m.MessageId)))
                {
                    passedOver.AddRange(batch);
                    return false;
                }

                for (var i = 0; i < batch.Length; i++)
                {
                    seen.Add(batch[i].MessageId);
                    if (Matches(batch[i], id) && await TryMoveAsync(batch[i], cancellationToken))
                    {
                        passedOver.AddRange(batch[(i + 1)..]);
                        return true;
                    }

                    passedOver.Add(batch[i]);
                }
            }
        }
        finally
        {
            await ReleaseAsync(passedOver);
        }
    }

    private static bool Matches(QueueMessage message, string id)
    {
        if (message.MessageId == id)
        {
            return true;
        }

        try
        {
            return QueueMessageCodec.Decode(message.Body).Any(e => e.EventId == id);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private async Task<bool> TryMoveAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        IReadOnlyList<QueuedEvent> events;
        try
        {
            events = QueueMessageCodec.Decode(message.Body);
        }
        catch (FormatException)
        {
            return false;
        }

        var reset = events.Select(e => e with
        {
            Attempts = 0,
            FirstAttemptAt = null,
            LastStatus = null,
            LastError = null,
            NotBefore = null,
        }).ToArray();
        await _clients.Queue.SendMessageAsync(QueueMessageCodec.Encode(reset), visibilityTimeout: null, timeToLive: NeverExpire, cancellationToken);
        try
        {
            await _clients.PoisonQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Another redrive took it after our lease ran out; the main queue may now hold it twice (same event id).
        }

        return true;
    }

    private async Task ReleaseAsync(List<QueueMessage> messages)
    {
        foreach (var message in messages)
        {
            try
            {
                await _clients.PoisonQueue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
            }
            catch (RequestFailedException)
            {
                // The lease ends by itself; the message is only hidden a little longer.
            }
        }
    }

    private static DeadLetterEntry ToEntry(string messageId, BinaryData body, DateTimeOffset? insertedOn)
    {
        try
        {
            var events = QueueMessageCodec.Decode(body);
            if (events.Count == 1)
            {
                var e = events[0];
                return new DeadLetterEntry
                {
                    MessageId = messageId,
                    EventId = e.EventId,
                    Did = e.Did,
                    Attempts = e.Attempts,
                    LastStatus = e.LastStatus,
                    LastError = e.LastError,
                    QueuedAt = e.QueuedAt,
                    FirstAttemptAt = e.FirstAttemptAt,
                    DeadLetteredAt = insertedOn,
                    InBlob = e.BlobName is not null,
                };
            }

            return new DeadLetterEntry
            {
                MessageId = messageId,
                LastError = $"Dead-letter message holds {events.Count} events (expected one).",
                DeadLetteredAt = insertedOn,
            };
        }
        catch (FormatException ex)
        {
            return new DeadLetterEntry { MessageId = messageId, LastError = "Undecodable message: " + ex.Message, DeadLetteredAt = insertedOn };
        }
    }
}
