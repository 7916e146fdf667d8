using Jetstream.WebhookReceiver;

namespace Jetstream.Bench.Pipeline;

/// <summary>A webhook receiver a scenario counts deliveries with: <see cref="WebhookReceiverHost"/> or <see cref="EventReceiver"/>.</summary>
internal interface IBenchReceiver
{
    Uri Url { get; }

    ReceiverCounts Counts { get; }

    void Reset();
}

/// <summary>
/// Deliveries since the last reset. <see cref="Events"/> counts the events in accepted requests (one per request
/// unless batched); <see cref="DuplicateIds"/> the accepted requests whose <c>webhook-id</c> had been accepted before.
/// </summary>
internal readonly record struct ReceiverCounts(long Requests, long Events, long UniqueEvents, long DuplicateIds, long Rejected);

/// <summary><see cref="WebhookReceiverHost"/> (one event per request) as an <see cref="IBenchReceiver"/>.</summary>
internal sealed class HostReceiver(WebhookReceiverHost host) : IBenchReceiver
{
    public Uri Url => host.Url;

    public ReceiverCounts Counts
    {
        get
        {
            var stats = host.Stats;
            return new ReceiverCounts(stats.Requests, stats.Delivered, stats.UniqueIds, stats.Duplicates, stats.Rejected);
        }
    }

    public void Reset() => host.Reset();
}
