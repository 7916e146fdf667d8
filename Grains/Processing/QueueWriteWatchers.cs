using Jetstream.Grains.Interfaces;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// The consumers to wake after an acknowledged queue write (wake-on-write, docs/webhook-consumer.md). Each registration
/// holds for its lease and is renewed by the consumer, as with Orleans' <c>ObserverManager</c>; unlike it, a write
/// never waits for a consumer and never makes a second call to one that has not answered the first: writes that are
/// acknowledged meanwhile set a flag, and one more call follows the answer. So the write path costs a dictionary walk,
/// and each consumer sees at most one call in flight whatever the write rate. A call that fails forgets its consumer,
/// which polls until its next renewal. Lives on the grain's scheduler: no locks.
/// </summary>
public sealed class QueueWriteWatchers(TimeProvider time, ILogger logger, string processorKey)
{
    public static readonly TimeSpan MaxLease = TimeSpan.FromMinutes(10);

    private readonly Dictionary<GrainId, Watcher> _watchers = [];

    public int Count => _watchers.Count;

    /// <summary>Registers or renews <paramref name="observer"/> until <paramref name="lease"/> from now.</summary>
    public void Watch(IQueueWriteObserver observer, TimeSpan lease)
    {
        var until = time.GetUtcNow() + TimeSpan.FromTicks(Math.Clamp(lease.Ticks, TimeSpan.TicksPerSecond, MaxLease.Ticks));
        var id = observer.GetGrainId();
        if (_watchers.TryGetValue(id, out var watcher))
        {
            watcher.Until = until;
            return;
        }

        _watchers[id] = new Watcher(observer, until);
        WatcherLog.Added(logger, processorKey, id.ToString(), _watchers.Count);
    }

    /// <summary>A message is in the queue: wake every consumer that is not still answering the previous call.</summary>
    public void Written()
    {
        if (_watchers.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        List<GrainId>? expired = null;
        foreach (var (id, watcher) in _watchers)
        {
            if (watcher.Until <= now)
            {
                (expired ??= []).Add(id);
            }
            else if (watcher.InFlight)
            {
                watcher.Again = true;
            }
            else
            {
                watcher.InFlight = true;
                _ = NotifyAsync(id, watcher);
            }
        }

        foreach (var id in expired ?? [])
        {
            _watchers.Remove(id);
            WatcherLog.Removed(logger, processorKey, id.ToString(), "its lease ran out", _watchers.Count);
        }
    }

    private async Task NotifyAsync(GrainId id, Watcher watcher)
    {
        try
        {
            do
            {
                watcher.Again = false;
                await watcher.Observer.QueueWritten();
            }
            while (watcher.Again && IsCurrent(id, watcher));
        }
        catch (Exception ex)
        {
            if (IsCurrent(id, watcher))
            {
                _watchers.Remove(id);
                WatcherLog.Removed(logger, processorKey, id.ToString(), $"the call failed ({ErrorText.Of(ex)})", _watchers.Count);
            }
        }
        finally
        {
            watcher.InFlight = false;
        }
    }

    private bool IsCurrent(GrainId id, Watcher watcher) => _watchers.TryGetValue(id, out var current) && ReferenceEquals(current, watcher);

    private sealed class Watcher(IQueueWriteObserver observer, DateTimeOffset until)
    {
        public IQueueWriteObserver Observer { get; } = observer;

        public DateTimeOffset Until { get; set; } = until;

        /// <summary>A call is out and not yet answered.</summary>
        public bool InFlight { get; set; }

        /// <summary>A write was acknowledged while the call was out: one more call follows its answer.</summary>
        public bool Again { get; set; }
    }
}
