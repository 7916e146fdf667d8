using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Settle;

namespace Jetstream.WebhookConsumer.Subscriptions;

/// <summary>
/// While a subscription's endpoint is down (its circuit open), receives the backlog into hand until the next probe is
/// due, up to <c>Webhook:MaxKeptMessages</c> and <c>Webhook:MaxKeptBytes</c>: each message hidden until the probe and a
/// whole visibility timeout after it, as the messages kept for the probe are (<see cref="KeptMessages"/>). When a probe
/// succeeds the whole backlog is then in memory and goes out with it at full width; left in the queue it was received
/// 32 messages a receive and settled one delete each, on Azurite's one thread, before the next round: 8 s for the
/// 3,000 events of a 15 s outage at 200/s (issue 20). A crash loses nothing: the lease runs out and the messages come
/// back; a stop releases them at once (<see cref="KeptMessages.ReleaseAsync"/>). Per-DID order holds because what is in
/// hand goes out as one batch, each DID's events in queue order (<c>DidScheduler.ByDid</c>).
/// </summary>
internal sealed class BacklogInHand(QueueReceiver receiver, KeptMessages kept, WebhookOptions options, TimeProvider timeProvider)
{
    // After a receive that found the queue empty: what is published in the last such stretch before the return is all
    // the drain still has to receive from the queue, and a receive four times a second is nothing to storage.
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    /// <summary>Receives into hand until <paramref name="probeAt"/>, or until <paramref name="stop"/>, which is looked at between receives.</summary>
    /// <param name="abort">Cuts off a receive: only when the loop is abandoned, so a settings change never leaves messages hidden unheld.</param>
    public async Task HoldUntilAsync(DateTimeOffset probeAt, bool deleting, CancellationToken stop, CancellationToken abort)
    {
        while (!stop.IsCancellationRequested)
        {
            var now = timeProvider.GetUtcNow();
            var left = probeAt - now;
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            var room = Room();
            var filled = false;
            if (room > 0)
            {
                var untilProbe = MessageSettler.VisibilityUntil(probeAt, now);
                var (batch, full) = await receiver.ReceiveToHoldAsync(room, untilProbe + options.VisibilityTimeout, deleting, abort);
                if (batch is { Messages.Length: > 0 })
                {
                    kept.Hold(batch.Messages, now + untilProbe);
                }

                filled = full;
            }

            if (!filled)
            {
                var wait = room > 0 && Poll < left ? Poll : left;
                await Task.Delay(wait, timeProvider, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>How many more messages may be received into hand; the byte bound is looked at before each round.</summary>
    private int Room()
    {
        var (messages, bytes) = kept.Size;
        return bytes >= options.MaxKeptBytes ? 0 : Math.Max(0, options.MaxKeptMessages - messages);
    }
}
