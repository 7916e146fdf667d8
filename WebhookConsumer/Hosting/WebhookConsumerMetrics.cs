using System.Diagnostics.Metrics;
using System.Diagnostics;
using Jetstream.WebhookConsumer.Deliver;

namespace Jetstream.WebhookConsumer.Hosting;

/// <summary>
/// The consumer's OpenTelemetry instruments (meter <see cref="MeterName"/>) and its trace source: each delivery is a
/// span under the processor's <c>jetstream.receive</c> span (the message's <c>traceparent</c>), and the webhook request
/// carries the trace on.
/// </summary>
public sealed class WebhookConsumerMetrics
{
    public const string MeterName = "Jetstream.WebhookConsumer";
    public const string ActivitySourceName = "Jetstream.WebhookConsumer";

    /// <summary>Every instrument is tagged with the subscription id under this name.</summary>
    public const string SubscriptionTag = "subscription";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    // OpenTelemetry's default buckets (0 to 10,000) suit milliseconds; a delivery takes from well under a second to the
    // day-long retry schedule.
    private static readonly double[] LatencyBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 48 * 3600];

    private readonly Counter<long> _attempts;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _copies;
    private readonly Histogram<double> _latency;

    public WebhookConsumerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _attempts = meter.CreateCounter<long>("webhook.deliveries", "{attempt}", "Delivery attempts, by outcome (2xx, 3xx, 4xx, 5xx, timeout_or_connection).");
        _retries = meter.CreateCounter<long>("webhook.retries", "{attempt}", "Failed attempts that will be retried.");
        _deadLettered = meter.CreateCounter<long>("webhook.dead_lettered", "{event}", "Events moved to the dead-letter queue.");
        _copies = meter.CreateCounter<long>("webhook.copies_skipped", "{event}", "Copies of events delivered moments ago (same webhook-id), removed from the queue without being sent.");
        _latency = meter.CreateHistogram<double>("webhook.delivery.latency", "s", "From queuing to the successful delivery of an event.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
    }

    /// <summary>The <c>outcome</c> tag of <c>webhook.deliveries</c>, by the answer's status.</summary>
    internal static readonly string[] Outcomes = ["2xx", "3xx", "4xx", "5xx", "timeout_or_connection"];

    internal static int OutcomeOf(DeliveryResult result) => result.Status switch
    {
        >= 200 and < 300 => 0,
        >= 300 and < 400 => 1,
        >= 400 and < 500 => 2,
        >= 500 => 3,
        _ => 4,
    };

    /// <summary><paramref name="count"/> attempts whose answers were <see cref="Outcomes"/>[<paramref name="outcome"/>].</summary>
    internal void Attempted(string subscription, int outcome, long count) =>
        _attempts.Add(count, new KeyValuePair<string, object?>("outcome", Outcomes[outcome]), Subscription(subscription));

    internal void Retried(string subscription) => _retries.Add(1, Subscription(subscription));

    internal void DeadLettered(string subscription) => _deadLettered.Add(1, Subscription(subscription));

    internal void CopySkipped(string subscription) => _copies.Add(1, Subscription(subscription));

    internal void Delivered(string subscription, TimeSpan sinceQueued) => _latency.Record(sinceQueued.TotalSeconds, Subscription(subscription));

    private static KeyValuePair<string, object?> Subscription(string id) => new(SubscriptionTag, id);
}
