using Jetstream.Storage;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// The last message of each repository's snapshot, gathered with other repositories' into one queue message (group
/// commit): a queue with no send of ours in flight gets its message at once; while one is in flight, what comes meanwhile
/// waits and goes in one message when it ends. So a lone repository waits for nothing, and a backfill running flat out
/// sends a few repositories a message instead of one each (bench rows a and b: the queue's send and the consumer's delete
/// were two of Azurite's ~5.5 requests per repository, and its one Node thread bounds the job on this machine).
/// A repository's events stay together and in order inside the message; a message never mixes subscriptions (one per
/// queue). Each caller's task ends when the message holding its events is in the queue, or fails with the send.
/// One per silo; thread-safe (repository grains run on many threads).
/// </summary>
public sealed class GatheredSends
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Gathering> _queues = new(StringComparer.Ordinal);

    /// <summary>Queues <paramref name="events"/> (one repository's, in order; they fit one message, as its writer packed them) visible.</summary>
    public Task SendAsync(EventQueueClients queue, IReadOnlyList<QueuedEvent> events)
    {
        if (events.Count == 0)
        {
            return Task.CompletedTask;
        }

        Batch? full = null;
        Task done;
        lock (_lock)
        {
            if (!_queues.TryGetValue(queue.QueueName, out var gathering))
            {
                _queues[queue.QueueName] = gathering = new Gathering(queue);
            }

            // A repository that does not fit a message of its own fails alone, before anything changes: no empty batch
            // is left waiting (the pump would send it as an empty message) and the others' batch goes on as it was.
            var waiting = gathering.Waiting ?? new Batch(queue);
            if (waiting.TryAdd(events))
            {
                gathering.Waiting = waiting;
            }
            else
            {
                var own = waiting.IsEmpty ? null : new Batch(queue);
                if (own is null || !own.TryAdd(events))
                {
                    throw new InvalidOperationException($"A repository's last message ({events.Count} events) does not fit one message: its writer packs it with the same options.");
                }

                // Not room for this repository beside the others: they go now (or next, behind the send in flight).
                full = waiting;
                gathering.Waiting = waiting = own;
                if (gathering.Sending)
                {
                    gathering.Ready.Enqueue(full);
                    full = null;
                }
            }

            done = waiting.Done.Task;
            if (!gathering.Sending)
            {
                gathering.Sending = true;
                _ = PumpAsync(gathering, full);
            }
        }

        return done;
    }

    /// <summary>Sends the queue's gathered batches one after another until none is waiting.</summary>
    private async Task PumpAsync(Gathering gathering, Batch? first)
    {
        var next = first;
        while (true)
        {
            if (next is null)
            {
                lock (_lock)
                {
                    if (!gathering.Ready.TryDequeue(out next))
                    {
                        next = gathering.Waiting;
                        gathering.Waiting = null;
                    }

                    if (next is null)
                    {
                        gathering.Sending = false;
                        return;
                    }
                }
            }

            await next.SendAsync();
            next = null;
        }
    }

    private sealed class Gathering(EventQueueClients queue)
    {
        public EventQueueClients Queue { get; } = queue;

        public Batch? Waiting { get; set; }

        /// <summary>Batches cut because the next repository did not fit, in the order they were cut.</summary>
        public Queue<Batch> Ready { get; } = new();

        public bool Sending { get; set; }
    }

    private sealed class Batch(EventQueueClients queue)
    {
        private readonly MessagePacker _packer = MessagePacker.Create(queue.Options);
        private readonly List<IReadOnlyList<QueuedEvent>> _repositories = [];

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsEmpty => _repositories.Count == 0;

        /// <summary>Adds a repository's events whole, or nothing (false: the message has no room for all of them).</summary>
        public bool TryAdd(IReadOnlyList<QueuedEvent> events)
        {
            foreach (var e in events)
            {
                if (!_packer.TryAdd(e))
                {
                    // Part of it went in: pack the message again without it (once per message cut, never on the way).
                    _packer.Clear();
                    foreach (var earlier in _repositories.SelectMany(r => r))
                    {
                        _packer.TryAdd(earlier);
                    }

                    return false;
                }
            }

            _repositories.Add(events);
            return true;
        }

        public async Task SendAsync()
        {
            try
            {
                await queue.Queue.SendMessageAsync(_packer.Finish(), visibilityTimeout: TimeSpan.Zero, timeToLive: TimeSpan.FromSeconds(-1));
                Done.SetResult();
            }
            catch (Exception ex)
            {
                Done.SetException(ex);
            }
        }
    }
}
