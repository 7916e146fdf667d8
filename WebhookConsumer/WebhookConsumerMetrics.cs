using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// The consumer's OpenTelemetry instruments (meter <see cref="MeterName"/>) and its trace source: each delivery is a
/// span under the processor's <c>jetstream.receive</c> span (the message's <c>traceparent</c>), and the webhook request
/// carries the trace on.
/// </summary>
public sealed class WebhookConsumerMetrics
{
    public const string MeterName = "Jetstream.WebhookConsumer";
    public const string ActivitySourceName = "Jetstream.WebhookConsumer";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    private readonly Counter<long> _attempts;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _deadLettered;
    private readonly Histogram<double> _latency;

    public WebhookConsumerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _attempts = meter.CreateCounter<long>("webhook.deliveries", "{attempt}", "Delivery attempts, by outcome (2xx, 3xx, 4xx, 5xx, timeout_or_connection).");
        _retries = meter.CreateCounter<long>("webhook.retries", "{attempt}", "Failed attempts that will be retried.");
        _deadLettered = meter.CreateCounter<long>("webhook.dead_lettered", "{event}", "Events moved to the dead-letter queue.");
        _latency = meter.CreateHistogram<double>("webhook.delivery.latency", "s", "From queuing to the successful delivery of an event.");
    }

    internal void Attempted(DeliveryResult result) =>
        _attempts.Add(1, new KeyValuePair<string, object?>("outcome", result.Status switch
        {
            >= 200 and < 300 => "2xx",
            >= 300 and < 400 => "3xx",
            >= 400 and < 500 => "4xx",
            >= 500 => "5xx",
            _ => "timeout_or_connection",
        }));

    internal void Retried() => _retries.Add(1);

    internal void DeadLettered() => _deadLettered.Add(1);

    internal void Delivered(TimeSpan sinceQueued) => _latency.Record(sinceQueued.TotalSeconds);
}
