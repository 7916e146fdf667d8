namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>One slot of <see cref="DeliverySlots"/>, held for one attempt; <c>default</c> holds none.</summary>
internal readonly struct DeliverySlot(DeliveryLane? lane) : IDisposable
{
    public bool Held => lane is not null;

    public void Dispose() => lane?.Release();
}
