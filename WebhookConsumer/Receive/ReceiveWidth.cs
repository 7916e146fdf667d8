namespace Jetstream.WebhookConsumer.Receive;

/// <summary>
/// How many receives the next batch is made of: doubling from 1 while every receive fills (a backlog waits behind
/// them), up to <c>Webhook:MaxParallelReceives</c>, and back to 1 as soon as one brings fewer than it asked for, so an
/// idle or trickling queue costs one receive per poll, as before.
/// </summary>
internal sealed class ReceiveWidth(int max)
{
    public int Current { get; private set; } = 1;

    /// <param name="filled">Every receive of the last batch brought as many messages as it asked for.</param>
    public void Received(bool filled) => Current = filled ? Math.Min(Current * 2, max) : 1;

    /// <summary>
    /// The next batch at full width at once: after an outage the queue behind the messages kept in hand is known to hold
    /// the whole backlog, and doubling from 1 spent three delivery rounds of the drain on narrow batches.
    /// </summary>
    public void Widen() => Current = max;
}
