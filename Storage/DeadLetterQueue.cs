using Azure;
using Azure.Storage.Queues.Models;

namespace Jetstream.Storage;

/// <summary>
/// The dead-letter (poison) queue <c>&lt;Queue:Name&gt;-poison</c>: the consumer adds events whose retry schedule is
/// spent, operators count, peek and redrive them. Each dead-letter message holds one event in the
/// <see cref="QueueMessageCodec"/> format, version 1 (which every Api and tool reads), with its attempt count, last
/// status and last error, or, for a main-queue message that could not be decoded, that message's body unchanged: a
/// consumer of an earlier release puts a version 2 message here whole, which this code reads and redrives. Messages
/// are written with no expiry.
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

    /// <summary>
    /// The first <paramref name="max"/> (at most 32) dead-letter messages, without hiding or removing them: one entry
    /// each, or one per event for a message moved here whole.
    /// </summary>
    public async Task<IReadOnlyList<DeadLetterEntry>> PeekAsync(int max = MaxBatch, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        await _clients.EnsureCreatedAsync(cancellationToken);
        PeekedMessage[] messages = await _clients.PoisonQueue.PeekMessagesAsync(Math.Min(max, MaxBatch), cancellationToken);
        return messages.SelectMany(m => ToEntries(m.MessageId, m.Body, m.InsertedOn)).ToArray();
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
    /// Moves every dead-lettered event back to the main queue with its attempt history reset, in version 1 messages
    /// (every consumer reads them, whichever version the events came in). Each message is sent to the main queue before
    /// it is deleted here, so a failure in between gives a duplicate, never a loss. Bodies that cannot be decoded stay
    /// in the dead-letter queue. Returns the number of events moved.
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
                    if (await TryMoveAsync(message, cancellationToken) is > 0 and var events)
                    {
                        moved += events;
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
                    if (Matches(batch[i], id) && await TryMoveAsync(batch[i], cancellationToken) > 0)
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

    /// <summary>Moves one dead-letter message's events to the main queue; returns how many (0: undecodable, left here).</summary>
    private async Task<int> TryMoveAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        IReadOnlyList<QueuedEvent> events;
        try
        {
            events = QueueMessageCodec.Decode(message.Body);
        }
        catch (FormatException)
        {
            return 0;
        }

        // A message moved here whole may hold more events than one version 1 message takes: packed as the producer packs.
        var packer = MessagePacker.Create(QueueMessageCodec.PlainVersion, _clients.Options.MaxMessageBytes, _clients.Options.MaxEventsPerMessage);
        foreach (var e in events)
        {
            var reset = e with { Attempts = 0, FirstAttemptAt = null, LastStatus = null, LastError = null, NotBefore = null };
            if (!packer.TryAdd(reset))
            {
                await SendAsync(packer.Finish(), cancellationToken);
                packer.TryAdd(reset);
            }
        }

        await SendAsync(packer.Finish(), cancellationToken);
        try
        {
            await _clients.PoisonQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Another redrive took it after our lease ran out; the main queue may now hold it twice (same event id).
        }

        return events.Count;
    }

    private Task SendAsync(BinaryData body, CancellationToken cancellationToken) =>
        _clients.Queue.SendMessageAsync(body, visibilityTimeout: null, timeToLive: NeverExpire, cancellationToken);

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

    private static IEnumerable<DeadLetterEntry> ToEntries(string messageId, BinaryData body, DateTimeOffset? insertedOn)
    {
        DecodedMessage message;
        try
        {
            message = QueueMessageCodec.DecodeMessage(body.ToMemory());
        }
        catch (FormatException ex)
        {
            return [new DeadLetterEntry { MessageId = messageId, LastError = "Undecodable message: " + ex.Message, DeadLetteredAt = insertedOn }];
        }

        // Dead letters are written one event to a version 1 message; anything else is a main-queue message a consumer
        // could not read (one of an earlier release meeting version 2) and moved here whole, unattempted. Each of its
        // events is shown, so an operator sees what waits.
        var whole = message.Events.Count > 1 || message.Version != QueueMessageCodec.PlainVersion
            ? $"In a version {message.Version} message of {message.Events.Count} event(s) that a consumer moved here whole without reading it"
                + (message.Version != QueueMessageCodec.PlainVersion ? " (consumers of earlier releases read version 1 only)" : string.Empty)
                + "; a redrive puts them back on the queue."
            : null;
        return message.Events.Select(e => new DeadLetterEntry
        {
            MessageId = messageId,
            EventId = e.EventId,
            Did = e.Did,
            Attempts = e.Attempts,
            LastStatus = e.LastStatus,
            LastError = whole ?? e.LastError,
            QueuedAt = e.QueuedAt,
            FirstAttemptAt = e.FirstAttemptAt,
            DeadLetteredAt = insertedOn,
            InBlob = e.BlobName is not null,
        });
    }
}
