namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// One subscription's part of <see cref="DeliverySlots"/>: every delivery attempt holds a slot from its lane, and the
/// lane learns from each attempt's outcome whether its receiver is failing. State is guarded by the slots' lock.
/// </summary>
internal sealed class DeliveryLane : IDisposable
{
    private readonly DeliverySlots _slots;
    private volatile bool _failing;

    internal DeliveryLane(DeliverySlots slots, string subscriptionId)
    {
        _slots = slots;
        SubscriptionId = subscriptionId;
    }

    public string SubscriptionId { get; }

    /// <summary>True while the last finished attempt failed: the lane is then held to its fair share.</summary>
    public bool IsFailing => _failing;

    internal int InFlight { get; set; }

    internal bool Removed { get; set; }

    internal LinkedList<DeliverySlots.Waiter> Waiters { get; } = new();

    /// <summary>Waits for a slot; dispose the slot when the attempt is over.</summary>
    public ValueTask<DeliverySlot> AcquireAsync(CancellationToken cancellationToken) => _slots.AcquireAsync(this, cancellationToken);

    /// <summary>Whether the slot of an attempt that is over may go on to the same shard's next request (<see cref="DeliverySlots.MayKeep"/>).</summary>
    public bool MayKeep() => _slots.MayKeep(this);

    /// <summary>Records an attempt's outcome; a lane that recovers may use idle slots again at once.</summary>
    public void Record(bool delivered)
    {
        if (_failing == delivered)
        {
            _failing = !delivered;
            if (delivered)
            {
                _slots.CapChanged();
            }
        }
    }

    internal void Release() => _slots.Release(this);

    public void Dispose() => _slots.RemoveLane(this);
}
