namespace Jetstream.WebhookReceiver;

/// <summary>How a <see cref="WebhookReceiverHost"/> listens and what it keeps. Section <c>Receiver</c> for the executable.</summary>
public sealed class ReceiverOptions
{
    /// <summary>Address to listen on (loopback by default).</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free one (see <see cref="WebhookReceiverHost.Url"/>).</summary>
    public int Port { get; set; }

    /// <summary>
    /// Standard Webhooks secrets (<c>whsec_…</c>, space-separated). When set, a request without a valid signature is
    /// answered 401 and not counted as delivered. When empty, signatures are not checked.
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>Largest accepted gap between <c>webhook-timestamp</c> and now (replay protection).</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Keep every delivery (body and headers) and every request in memory for inspection. Turn off for long
    /// benchmark runs: counts, duplicates and latency are kept either way.
    /// </summary>
    public bool RecordDeliveries { get; set; } = true;

    /// <summary>
    /// Count the events in each accepted body (one, or a batch <c>{"events":[…]}</c>) in <see cref="WebhookReceiverHost.Events"/>;
    /// <see cref="ReceiverStats.Events"/> is then events, not requests. Off, a body is not read beyond its first <c>time_us</c>.
    /// </summary>
    public bool CountEvents { get; set; }

    /// <summary>With <see cref="CountEvents"/>: keep each event's first arrival (<see cref="EventTally.FirstArrivals"/>, repeats).</summary>
    public bool TrackEvents { get; set; }

    /// <summary>With <see cref="CountEvents"/>: count a backfill's events (<c>"live":false</c>) apart, out of the latencies.</summary>
    public bool SplitBackfill { get; set; }

    /// <summary>When set, each accepted event is kept under the path it came to by the key this gives its body (<see cref="WebhookReceiverHost.Paths"/>).</summary>
    public Func<byte[], string>? KeyByPath { get; set; }

    /// <summary>When set, one line per request: webhook-id, collection, did, signature check, status.</summary>
    public TextWriter? Output { get; set; }
}
