namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// <c>Webhook:MaxConcurrency</c> shared between subscriptions, one <see cref="DeliveryLane"/> each. Work-conserving:
/// a lane may use every slot nobody else wants, so one busy subscription alone gets the whole limit. Fair: a released
/// slot goes to the waiting lane with the fewest attempts in flight (round robin among equals), so busy lanes converge
/// on equal shares. Contained: a lane whose last attempt failed (its receiver errors or times out) is held to its fair
/// share, the limit divided by the number of lanes, so a failing receiver cannot take the slots that idle subscriptions
/// would need the moment their events arrive.
/// </summary>
internal sealed class DeliverySlots(int capacity)
{
    private readonly Lock _lock = new();
    private readonly List<DeliveryLane> _lanes = [];
    private int _inFlight;
    private int _waiting;
    private int _nextLane;

    public int Capacity => capacity;

    /// <summary>Slots in use across all lanes.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>What a failing lane may hold: the limit divided by the lanes, at least one.</summary>
    public int FairShare
    {
        get
        {
            lock (_lock)
            {
                return FairShareLocked;
            }
        }
    }

    private int FairShareLocked => Math.Max(1, capacity / Math.Max(1, _lanes.Count));

    public DeliveryLane AddLane(string subscriptionId)
    {
        var lane = new DeliveryLane(this, subscriptionId);
        lock (_lock)
        {
            _lanes.Add(lane);
        }

        return lane;
    }

    internal void RemoveLane(DeliveryLane lane)
    {
        lock (_lock)
        {
            if (!_lanes.Remove(lane))
            {
                return;
            }

            lane.Removed = true;

            // Its loop has stopped; anything still waiting is cancelled rather than left hanging.
            foreach (var waiter in lane.Waiters)
            {
                waiter.Registration.Unregister();
                waiter.TrySetCanceled();
            }

            _waiting -= lane.Waiters.Count;
            lane.Waiters.Clear();
            GrantLocked();
        }
    }

    internal ValueTask<DeliverySlot> AcquireAsync(DeliveryLane lane, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LinkedListNode<Waiter> node;
        lock (_lock)
        {
            // The fast path only when nobody waits, so a lane never overtakes one that waits with fewer in flight.
            if (lane.Removed)
            {
                throw new ObjectDisposedException(nameof(DeliveryLane), $"The delivery lane of '{lane.SubscriptionId}' was removed.");
            }

            if (_waiting == 0 && _inFlight < capacity && lane.InFlight < CapLocked(lane))
            {
                _inFlight++;
                lane.InFlight++;
                return new ValueTask<DeliverySlot>(new DeliverySlot(lane));
            }

            node = lane.Waiters.AddLast(new Waiter());
            _waiting++;
            GrantLocked();
        }

        var waiter = node.Value;
        if (!waiter.Task.IsCompleted && cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.UnsafeRegister(_ => Cancel(lane, node, cancellationToken), null);
            lock (_lock)
            {
                // Out of the list: granted or cancelled meanwhile, so the registration has nothing left to do.
                if (node.List is null)
                {
                    registration.Unregister();
                }
                else
                {
                    waiter.Registration = registration;
                }
            }
        }

        return new ValueTask<DeliverySlot>(waiter.Task);
    }

    /// <summary>
    /// Whether an attempt that is over may keep its slot for the same shard's next request instead of releasing it and
    /// taking one again (two turns of the lock per request): only while nobody waits and the lane is not failing, so a
    /// waiting lane still gets the next slot released and a failing lane is held to its fair share. Read without the
    /// lock: a waiter that comes at this moment gets the slot one request later.
    /// </summary>
    internal bool MayKeep(DeliveryLane lane) => Volatile.Read(ref _waiting) == 0 && !lane.IsFailing && !lane.Removed;

    internal void Release(DeliveryLane lane)
    {
        lock (_lock)
        {
            _inFlight--;
            lane.InFlight--;
            GrantLocked();
        }
    }

    /// <summary>A lane's cap changed (it started or stopped failing): waiting attempts may now fit.</summary>
    internal void CapChanged()
    {
        lock (_lock)
        {
            GrantLocked();
        }
    }

    private void Cancel(DeliveryLane lane, LinkedListNode<Waiter> node, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // Not in the list any more: it was granted, and the caller releases the slot it receives.
            if (node.List is null)
            {
                return;
            }

            lane.Waiters.Remove(node);
            _waiting--;
            node.Value.TrySetCanceled(cancellationToken);
        }
    }

    private int CapLocked(DeliveryLane lane) => lane.IsFailing ? FairShareLocked : capacity;

    private void GrantLocked()
    {
        while (_waiting > 0 && _inFlight < capacity)
        {
            DeliveryLane? best = null;
            var bestIndex = 0;
            for (var i = 0; i < _lanes.Count; i++)
            {
                var index = (_nextLane + i) % _lanes.Count;
                var lane = _lanes[index];
                if (lane.Waiters.Count > 0 && lane.InFlight < CapLocked(lane) && (best is null || lane.InFlight < best.InFlight))
                {
                    best = lane;
                    bestIndex = index;
                }
            }

            if (best is null)
            {
                return;
            }

            _nextLane = (bestIndex + 1) % _lanes.Count;
            var waiter = best.Waiters.First!.Value;
            best.Waiters.RemoveFirst();
            _waiting--;
            _inFlight++;
            best.InFlight++;

            // Unregister, not Dispose: Dispose would wait for a cancellation callback that waits for this lock.
            waiter.Registration.Unregister();
            waiter.TrySetResult(new DeliverySlot(best));
        }
    }

    /// <summary>A waiting attempt; completed under the lock, so its continuations must not run inline.</summary>
    internal sealed class Waiter() : TaskCompletionSource<DeliverySlot>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public CancellationTokenRegistration Registration { get; set; }
    }
}
