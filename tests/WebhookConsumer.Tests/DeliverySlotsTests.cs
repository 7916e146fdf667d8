using Jetstream.WebhookConsumer.Deliver;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>The sharing rules of <see cref="DeliverySlots"/>, step by step (no clock, no threads racing).</summary>
public sealed class DeliverySlotsTests
{
    [Fact]
    public async Task A_lone_busy_subscription_gets_every_slot_and_no_more()
    {
        var slots = new DeliverySlots(4);
        using var busy = slots.AddLane("busy");
        using var idle = slots.AddLane("idle");

        var held = await AcquireAsync(busy, 4);
        var fifth = busy.AcquireAsync(CancellationToken.None);

        Assert.Equal(4, slots.InFlight);
        Assert.False(fifth.IsCompleted);
        held[0].Dispose();
        (await fifth).Dispose();
        Release(held[1..]);
        Assert.Equal(0, slots.InFlight);
    }

    [Fact]
    public async Task A_released_slot_goes_to_the_waiting_subscription_with_fewest_in_flight()
    {
        var slots = new DeliverySlots(4);
        using var first = slots.AddLane("first");
        using var second = slots.AddLane("second");
        var firstHeld = await AcquireAsync(first, 4);
        var firstWaiting = first.AcquireAsync(CancellationToken.None);
        var secondWaiting = new[] { second.AcquireAsync(CancellationToken.None), second.AcquireAsync(CancellationToken.None) };

        // first holds 4, second 0: the next two slots go to second although first asked earlier.
        firstHeld[0].Dispose();
        Assert.True(secondWaiting[0].IsCompleted);
        Assert.False(firstWaiting.IsCompleted);
        firstHeld[1].Dispose();
        Assert.True(secondWaiting[1].IsCompleted);
        Assert.False(firstWaiting.IsCompleted);

        // Now 2 and 2: the waiting first gets the next.
        firstHeld[2].Dispose();
        Assert.True(firstWaiting.IsCompleted);
        Release([firstHeld[3], await firstWaiting, await secondWaiting[0], await secondWaiting[1]]);
        Assert.Equal(0, slots.InFlight);
    }

    [Fact]
    public async Task A_failing_subscription_is_held_to_its_fair_share_until_it_delivers_again()
    {
        var slots = new DeliverySlots(6);
        using var failing = slots.AddLane("failing");
        using var other = slots.AddLane("other");
        using var third = slots.AddLane("third");
        failing.Record(delivered: false);

        Assert.True(failing.IsFailing);
        Assert.Equal(2, slots.FairShare);
        var held = await AcquireAsync(failing, 2);
        var beyondShare = failing.AcquireAsync(CancellationToken.None);
        Assert.False(beyondShare.IsCompleted);

        // The rest is there for the others, immediately.
        var others = await AcquireAsync(other, 4);
        Assert.Equal(6, slots.InFlight);
        Release(others);
        Assert.False(beyondShare.IsCompleted);

        failing.Record(delivered: true);
        Assert.True(beyondShare.IsCompleted);
        Release([.. held, await beyondShare]);
        Assert.Equal(0, slots.InFlight);
    }

    [Fact]
    public async Task A_cancelled_wait_takes_no_slot_and_a_removed_subscription_frees_its_waiters()
    {
        var slots = new DeliverySlots(1);
        using var holder = slots.AddLane("holder");
        var other = slots.AddLane("other");
        var held = await holder.AcquireAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = holder.AcquireAsync(cancel.Token);
        var orphaned = other.AcquireAsync(CancellationToken.None);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cancelled);
        other.Dispose();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await orphaned);

        held.Dispose();
        Assert.Equal(0, slots.InFlight);
        (await holder.AcquireAsync(CancellationToken.None)).Dispose();
    }

    private static async Task<DeliverySlot[]> AcquireAsync(DeliveryLane lane, int count)
    {
        var slots = new DeliverySlot[count];
        for (var i = 0; i < count; i++)
        {
            var acquire = lane.AcquireAsync(CancellationToken.None);
            Assert.True(acquire.IsCompleted, $"slot {i + 1} of {lane.SubscriptionId} was not free");
            slots[i] = await acquire;
        }

        return slots;
    }

    private static void Release(IEnumerable<DeliverySlot> slots)
    {
        foreach (var slot in slots)
        {
            slot.Dispose();
        }
    }
}
